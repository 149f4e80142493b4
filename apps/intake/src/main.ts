import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { intakeService } from './service.js';

exitOnInvalidConfiguration(intakeService.options);
const app = await NestFactory.create(intakeService.module, { bufferLogs: false });
await startService(app, intakeService.options);
