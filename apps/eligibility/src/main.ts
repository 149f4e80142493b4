import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { eligibilityService } from './service.js';

exitOnInvalidConfiguration(eligibilityService.options);
const app = await NestFactory.create(eligibilityService.module);
await startService(app, eligibilityService.options);
