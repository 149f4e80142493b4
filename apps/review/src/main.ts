import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '../../../libs/platform/src/index.js';
import { reviewService } from './service.js';

const app = await NestFactory.create(reviewService.module);
await startService(app, reviewService.options);
