import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { intakeService } from './service.js';

exitOnInvalidConfiguration(intakeService.options);
// Start-up lines wait for the service's pino logger (startService), then go through it.
const app = await NestFactory.create(intakeService.module, { bufferLogs: true });
await startService(app, intakeService.options);
