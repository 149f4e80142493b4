import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { consentService } from './service.js';

exitOnInvalidConfiguration(consentService.options);
// Start-up lines wait for the service's pino logger (startService), then go through it.
const app = await NestFactory.create(consentService.module, { bufferLogs: true });
await startService(app, consentService.options);
