import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { eligibilityService } from './service.js';

exitOnInvalidConfiguration(eligibilityService.options);
// Start-up lines wait for the service's pino logger (startService), then go through it.
const app = await NestFactory.create(eligibilityService.module, { bufferLogs: true });
await startService(app, eligibilityService.options);
