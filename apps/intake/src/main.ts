import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '@cpor/platform';
import { intakeService } from './service.js';

const app = await NestFactory.create(intakeService.module, { bufferLogs: false });
await startService(app, intakeService.options);
