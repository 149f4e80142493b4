import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { exitOnInvalidConfiguration, startService } from '@cpor/platform';
import { reviewService } from './service.js';

exitOnInvalidConfiguration(reviewService.options);
const app = await NestFactory.create(reviewService.module);
await startService(app, reviewService.options);
