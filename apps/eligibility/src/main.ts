import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startService } from '../../../libs/platform/src/index.js';
import { eligibilityService } from './service.js';

const app = await NestFactory.create(eligibilityService.module);
await startService(app, eligibilityService.options);
