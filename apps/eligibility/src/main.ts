import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { TOPICS } from '../../../libs/contracts/src/topics.js';
import { startService } from '../../../libs/platform/src/service-bootstrap.js';
import { EligibilityModule } from './eligibility.module.js';

const app = await NestFactory.create(EligibilityModule);
await startService(app, {
  service: 'eligibility',
  topics: [TOPICS.claimEvents],
  title: 'CPOR eligibility',
  description: `R13: incentive eligibility (OSU/OSA rules as data) after the consent window; hands each assessment to downstream on ${TOPICS.claimEligibility}.`,
});
