import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { consentService } from './service.js';

exitOnInvalidConfiguration(consentService.options);
const app = await NestFactory.create(consentService.module);
await startService(app, consentService.options);
