import { Module } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { PoeStore } from '../../../libs/persistence/src/index.js';
import { MONGO_CONNECTION, ServiceCoreModule } from '../../../libs/platform/src/index.js';
import { ClaimsController } from './claims/claims.controller.js';
import { ClaimsService } from './claims/claims.service.js';
import { PoeSweep } from './poe/poe-sweep.js';
import { ClaimRequestsHandler } from './requests/claim-requests.handler.js';
import { RequestRejections } from './requests/request-rejections.js';

@Module({
  imports: [ServiceCoreModule.forService('intake')],
  controllers: [ClaimsController, ClaimRequestsHandler],
  providers: [
    ClaimsService,
    RequestRejections,
    PoeSweep,
    { provide: PoeStore, useFactory: (connection: Connection) => new PoeStore(connection), inject: [MONGO_CONNECTION] },
  ],
})
export class IntakeModule {}
