import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '@cpor/platform';
import { eligibilityService } from './service.js';

const app = await NestFactory.create(eligibilityService.module);
await startService(app, eligibilityService.options);
