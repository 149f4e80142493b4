import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { BusinessCalendar } from '@cpor/domain';
import { LoggingModule } from '@cpor/platform';
import { stopTracing } from '@cpor/tracing';
import { IntakeApi, ReviewApi } from './api/claims-api.js';
import { AuthController } from './auth/auth.controller.js';
import { OidcClient } from './auth/oidc-client.js';
import { SessionCookies } from './auth/session.js';
import { HealthController } from './health.controller.js';
import { PartnerController } from './partner/partner.controller.js';
import { loadPortalSettings, type PortalSettings } from './portal.settings.js';
import { PORTAL_SETTINGS } from './portal.tokens.js';
import { ReviewerController } from './reviewer/reviewer.controller.js';
import { PortalGuard, type PortalRequest } from './web/access.js';
import { Csrf } from './web/csrf.js';
import { PageErrorsFilter } from './web/page-errors.filter.js';
import { Pages } from './web/pages.js';

const fromSettings = <T>(make: (settings: PortalSettings) => T) => ({ useFactory: make, inject: [PORTAL_SETTINGS] });

/**
 * The portal: server-rendered pages for partner users and reviewers, signed in through OpenID
 * Connect, acting only through intake's and review's HTTP APIs. No store, no Kafka.
 */
@Module({
  imports: [LoggingModule.forService('portal')],
  controllers: [AuthController, PartnerController, ReviewerController, HealthController],
  providers: [
    { provide: PORTAL_SETTINGS, useFactory: () => loadPortalSettings() },
    { provide: SessionCookies, ...fromSettings((settings) => new SessionCookies(settings.sessionSecret, settings.secureCookies)) },
    { provide: Csrf, ...fromSettings((settings) => new Csrf(settings.sessionSecret, settings.secureCookies, (request) => (request as PortalRequest).portalSession?.sid)) },
    { provide: OidcClient, ...fromSettings((settings) => new OidcClient(settings.oidc)) },
    { provide: IntakeApi, ...fromSettings((settings) => new IntakeApi(settings)) },
    { provide: ReviewApi, ...fromSettings((settings) => new ReviewApi(settings)) },
    { provide: BusinessCalendar, ...fromSettings((settings) => new BusinessCalendar(settings.calendar)) },
    Pages,
    { provide: APP_GUARD, useClass: PortalGuard },
    { provide: APP_FILTER, useClass: PageErrorsFilter },
  ],
})
export class PortalModule implements OnApplicationShutdown {
  /** Last on SIGTERM: the spans of the pages served, exported (bounded) before the process exits. */
  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}
