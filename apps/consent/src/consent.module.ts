import { Module } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { deadlineModel, DeadlineStore } from '../../../libs/persistence/src/deadlines/deadline-store.js';
import { CLOCK, type Clock } from '../../../libs/platform/src/clock.js';
import { ConsentLinkSigner } from '../../../libs/platform/src/consent-link.js';
import { ServiceCoreModule } from '../../../libs/platform/src/service-core.module.js';
import { SERVICE_CONFIG, type ServiceConfig } from '../../../libs/platform/src/service-config.js';
import { MONGO_CONNECTION } from '../../../libs/platform/src/tokens.js';
import { ConsentDeadlines } from './consent-deadlines.js';
import { ConsentEventsController } from './consent-events.controller.js';
import { ConsentPageController } from './consent-page.controller.js';
import { consentRequestModel, ConsentRequestRepository } from './consent-request.repository.js';
import { ConsentService } from './consent.service.js';

@Module({
  imports: [ServiceCoreModule.forService('consent')],
  controllers: [ConsentEventsController, ConsentPageController],
  providers: [
    {
      provide: ConsentRequestRepository,
      useFactory: (connection: Connection) => new ConsentRequestRepository(consentRequestModel(connection)),
      inject: [MONGO_CONNECTION],
    },
    {
      provide: DeadlineStore,
      useFactory: (connection: Connection, clock: Clock) => new DeadlineStore(deadlineModel(connection), 'consent', clock),
      inject: [MONGO_CONNECTION, CLOCK],
    },
    {
      provide: ConsentLinkSigner,
      useFactory: (config: ServiceConfig) => new ConsentLinkSigner(config.consent.linkSecret),
      inject: [SERVICE_CONFIG],
    },
    ConsentService,
    ConsentDeadlines,
  ],
})
export class ConsentModule {}
