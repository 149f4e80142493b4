import { Module } from '@nestjs/common';
import { type StoreConnection, PoeStore, RefusedRequestRepository, refusedRequestModel } from '@cpor/persistence';
import { MONGO_CONNECTION, ServiceCoreModule } from '@cpor/platform';
import { ClaimsController } from './claims/claims.controller.js';
import { ClaimsService } from './claims/claims.service.js';
import { PoeDownloadController } from './claims/poe-download.controller.js';
import { PoeSweep } from './poe/poe-sweep.js';
import { ClaimRequestsHandler } from './requests/claim-requests.handler.js';
import { RequestRejections } from './requests/request-rejections.js';

@Module({
  imports: [ServiceCoreModule.forService('intake')],
  controllers: [ClaimsController, PoeDownloadController, ClaimRequestsHandler],
  providers: [
    ClaimsService,
    RequestRejections,
    PoeSweep,
    { provide: PoeStore, useFactory: (connection: StoreConnection) => new PoeStore(connection), inject: [MONGO_CONNECTION] },
    {
      provide: RefusedRequestRepository,
      useFactory: (connection: StoreConnection) => new RefusedRequestRepository(refusedRequestModel(connection)),
      inject: [MONGO_CONNECTION],
    },
  ],
})
export class IntakeModule {}
