import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { reviewService } from './service.js';

exitOnInvalidConfiguration(reviewService.options);
// Start-up lines wait for the service's pino logger (startService), then go through it.
const app = await NestFactory.create(reviewService.module, { bufferLogs: true });
await startService(app, reviewService.options);
