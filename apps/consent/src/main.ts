import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { TOPICS } from '../../../libs/contracts/src/topics.js';
import { startService } from '../../../libs/platform/src/service-bootstrap.js';
import { ConsentModule } from './consent.module.js';

const app = await NestFactory.create(ConsentModule);
await startService(app, {
  service: 'consent',
  topics: [TOPICS.claimEvents],
  title: 'CPOR consent',
  description: 'R7: customer consent after approval: the signed decline link (/v1/consent/{token}) and the 7-day window.',
});
