import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DeadlinePoller, DeadlineStore } from '@cpor/persistence';
import { SERVICE_CONFIG, ServiceMetrics, type ServiceConfig } from '@cpor/platform';
import { CONSENT_WINDOW, ConsentService } from './consent.service.js';

/** Runs the consent-window poller while the app is up; stops it before connections close. */
@Injectable()
export class ConsentDeadlines implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: DeadlinePoller;

  constructor(store: DeadlineStore, consent: ConsentService, @Inject(SERVICE_CONFIG) config: ServiceConfig, metrics: ServiceMetrics) {
    this.poller = new DeadlinePoller(store, (deadline) => consent.onDeadline(deadline), { intervalMs: config.deadlinePollIntervalMs });
    metrics.watchDeadlines(store, [CONSENT_WINDOW]);
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }
}
