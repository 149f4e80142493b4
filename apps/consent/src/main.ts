import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '@cpor/platform';
import { consentService } from './service.js';

const app = await NestFactory.create(consentService.module);
await startService(app, consentService.options);
