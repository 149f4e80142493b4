import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { notificationsService } from './service.js';

exitOnInvalidConfiguration(notificationsService.options);
const app = await NestFactory.create(notificationsService.module, { bufferLogs: false });
await startService(app, notificationsService.options);
