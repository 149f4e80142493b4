import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DEV_OIDC_CLIENT } from '../../apps/portal/src/portal.settings.js';
import { startDevIdentityProvider, type RunningIdentityProvider } from '../../tools/dev-identity-provider/provider.js';
import { freePort } from './ports.js';
import { startSystem, type RunningSystem } from './system.js';

export interface RunningPortal {
  system: RunningSystem;
  idp: RunningIdentityProvider;
  /** The portal's address, as the browser opens it. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The whole thing a browser needs, in this process on free ports: the development identity
 * provider, the five services (startSystem, which also accept the provider's tokens through its
 * JWKS) and the portal, pointed at all of them; the partners' emails link to the portal's claim pages.
 */
export async function startPortal(): Promise<RunningPortal> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const idp = await startDevIdentityProvider({
    port: 0,
    clients: [{ ...DEV_OIDC_CLIENT, redirectUris: [`${url}/auth/callback`], postLogoutRedirectUris: [`${url}/signed-out`] }],
  });
  let system: RunningSystem | undefined;
  let app: INestApplication | undefined;
  try {
    system = await startSystem({ JWKS_URL: idp.jwksUrl, JWT_ISSUER: idp.issuer, PARTNER_PORTAL_URL: url });
    Object.assign(process.env, { OIDC_ISSUER_URL: idp.issuer, PORTAL_PUBLIC_URL: url, INTAKE_API_URL: system.urls.intake, REVIEW_API_URL: system.urls.review });
    const { portalService, startPortal: listen } = await import('../../apps/portal/src/service.js');
    const moduleRef = await Test.createTestingModule({ imports: [portalService.module] }).compile();
    app = moduleRef.createNestApplication({ logger: process.env.E2E_VERBOSE ? ['log', 'error', 'warn'] : ['error', 'warn'] });
    await listen(app, { port });
  } catch (error) {
    await app?.close();
    await system?.stop();
    await idp.close();
    throw error;
  }
  const running = { app, system };
  return {
    system,
    idp,
    url,
    stop: async () => {
      await running.app.close();
      await running.system.stop();
      await idp.close();
    },
  };
}
