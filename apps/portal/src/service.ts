import { Logger, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ConfigSchema } from '@cpor/kernel';
import { logSettingsSchema, useServiceLogging } from '@cpor/platform';
import { PortalModule } from './portal.module.js';
import { portalSettingsSchema, type PortalSettings } from './portal.settings.js';
import { PORTAL_SETTINGS } from './portal.tokens.js';
import { parseCookies, securityHeaders } from './web/http-middleware.js';
import { PORTAL_ASSETS } from './web/pages.js';
import { tracingSettingsSchema } from '@cpor/tracing';

export const portalService = {
  module: PortalModule,
  /** Every configuration area the portal reads, checked at start (main.ts) and documented in docs/operations.md. */
  configuration: [portalSettingsSchema, logSettingsSchema, tracingSettingsSchema] as readonly ConfigSchema[],
};

/**
 * Wires the portal's HTTP layer and starts listening: logs (the services' pino logger, with its
 * redaction), security headers with a strict CSP, cookies, its own static files, then the routes.
 */
export async function startPortal(app: INestApplication, options: { port?: number } = {}): Promise<{ url: string }> {
  const settings = app.get<PortalSettings>(PORTAL_SETTINGS);
  useServiceLogging(app, 'portal');
  // No weak ETags on pages that show one person's data.
  (app.getHttpAdapter().getInstance() as { set(setting: string, value: unknown): void }).set('etag', false);
  app.use(securityHeaders(new URL(settings.oidc.issuerUrl).origin, settings.secureCookies));
  app.use(parseCookies());
  (app as NestExpressApplication).useStaticAssets(PORTAL_ASSETS, { prefix: '/assets/', index: false, fallthrough: true, maxAge: '1h' });
  app.enableShutdownHooks();
  await app.listen(options.port ?? settings.port, settings.host);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  new Logger('portal').log(`portal listening on ${url} (public address ${settings.publicUrl}, identity provider ${settings.oidc.issuerUrl})`);
  return { url };
}
