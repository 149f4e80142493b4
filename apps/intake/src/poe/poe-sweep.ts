import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PollingLoop } from '@cpor/kernel';
import { ClaimsService } from '../claims/claims.service.js';

/** An upload older than this that its claim has not recorded was cut short by a failure. */
const UNRECORDED_AFTER_MS = 60 * 60_000;
const SWEEP_EVERY_MS = 5 * 60_000;

/** Deletes PoE files whose upload failed after the file was stored (see PoeStore). */
@Injectable()
export class PoeSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop = new PollingLoop(PoeSweep.name, () => this.claims.sweepUnrecordedPoe(UNRECORDED_AFTER_MS), SWEEP_EVERY_MS);

  constructor(private readonly claims: ClaimsService) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }
}
