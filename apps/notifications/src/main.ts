import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '@cpor/platform';
import { notificationsService } from './service.js';

const app = await NestFactory.create(notificationsService.module, { bufferLogs: false });
await startService(app, notificationsService.options);
