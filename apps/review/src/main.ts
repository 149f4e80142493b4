import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '@cpor/platform';
import { reviewService } from './service.js';

const app = await NestFactory.create(reviewService.module);
await startService(app, reviewService.options);
