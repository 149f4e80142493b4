import { Module } from '@nestjs/common';
import { type StoreConnection, deadlineModel, DeadlineStore, consentRequestModel, ConsentRequestRepository } from '@cpor/persistence';
import { CLOCK, type Clock } from '@cpor/kernel';
import { ConsentLinkSigner, ServiceCoreModule, SERVICE_CONFIG, type ServiceConfig, MONGO_CONNECTION } from '@cpor/platform';
import { ConsentDeadlines } from './consent-deadlines.js';
import { ConsentEventsController } from './consent-events.controller.js';
import { ConsentPageController } from './consent-page.controller.js';
import { ConsentService } from './consent.service.js';

@Module({
  imports: [ServiceCoreModule.forService('consent')],
  controllers: [ConsentEventsController, ConsentPageController],
  providers: [
    {
      provide: ConsentRequestRepository,
      useFactory: (connection: StoreConnection) => new ConsentRequestRepository(consentRequestModel(connection)),
      inject: [MONGO_CONNECTION],
    },
    {
      provide: DeadlineStore,
      useFactory: (connection: StoreConnection, clock: Clock) => new DeadlineStore(deadlineModel(connection), 'consent', clock),
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
