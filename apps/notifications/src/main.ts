import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { notificationsService } from './service.js';

exitOnInvalidConfiguration(notificationsService.options);
// Start-up lines wait for the service's pino logger (startService), then go through it.
const app = await NestFactory.create(notificationsService.module, { bufferLogs: true });
await startService(app, notificationsService.options);
