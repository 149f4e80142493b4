import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, Provider, type Interaction } from 'oidc-provider';
import { createViews } from '../../apps/portal/src/web/views.js';
import { DEV_PASSWORD, DEV_USERS, findDevUser, type DevUser } from './users.js';

/**
 * The development identity provider: a real OpenID Connect provider (oidc-provider) with the
 * seeded users of users.ts, a plain sign-in form and the portal as its one client. It issues
 * RS256 JWT access tokens for the CPOR APIs carrying `sub`, `roles` and `partnerId`, which the
 * services verify through its JWKS. Everything is in memory: keys, sessions and grants are new at
 * every start. Never for production: it refuses to start with NODE_ENV=production.
 */

/** The resource indicator (RFC 8707) of the CPOR APIs: the `aud` of the access tokens. */
export const API_RESOURCE = 'urn:cpor:api';

export interface DevClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface DevIdentityProviderOptions {
  /** Port to listen on (0: any free one). */
  port: number;
  host?: string;
  clients: DevClient[];
  /** Access token lifetime; default 8 hours (a working day). */
  accessTokenTtlSeconds?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningIdentityProvider {
  issuer: string;
  jwksUrl: string;
  close(): Promise<void>;
}

// Read from the working directory, like every template of ours (the repository root, or /app in the image).
const views = createViews(path.resolve(process.cwd(), 'tools/dev-identity-provider/views'));

function render(response: ServerResponse, status: number, template: string, data: Record<string, unknown>): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Security-Policy', "default-src 'none'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'");
  response.end(views.render(template, data));
}

async function formBody(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function claimsOf(user: DevUser): Record<string, unknown> {
  return { sub: user.sub, name: user.name, email: user.email, roles: user.roles, ...(user.partnerId ? { partnerId: user.partnerId, organisation: user.organisation } : {}) };
}

export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<RunningIdentityProvider> {
  if ((options.env ?? process.env).NODE_ENV === 'production') {
    throw new Error('The development identity provider refuses to start with NODE_ENV=production: configure a real OpenID Connect provider (docs/portal.md)');
  }
  const host = options.host ?? '127.0.0.1';
  // Listen first: the issuer names the port.
  let handler: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => {
    response.statusCode = 503;
    response.end();
  };
  const server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `dev-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email'],
    // roles and partnerId come with `openid`: the portal reads them from the ID token.
    claims: { openid: ['sub', 'roles', 'partnerId', 'organisation'], profile: ['name'], email: ['email'] },
    conformIdTokenClaims: false,
    async findAccount(_ctx: unknown, sub: string) {
      const user = findDevUser(sub);
      return user ? { accountId: user.sub, claims: async () => claimsOf(user) } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: { body: string }, form: string) => {
          ctx.body = views.render('./logout', { form });
        },
        postLogoutSuccessSource: async (ctx: { body: string }) => {
          ctx.body = views.render('./signed-out', {});
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => API_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== API_RESOURCE) throw new errors.InvalidTarget();
          return { scope: 'openid', audience: API_RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: options.accessTokenTtlSeconds ?? 8 * 3600, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // The CPOR APIs authorise by these claims of the access token (libs/platform, TokenVerifier).
    async extraTokenClaims(_ctx: unknown, token: { kind: string; accountId: string }) {
      const user = token.kind === 'AccessToken' ? findDevUser(token.accountId) : undefined;
      return user ? { roles: user.roles, ...(user.partnerId ? { partnerId: user.partnerId, partnerName: user.organisation } : {}) } : undefined;
    },
    renderError: async (ctx: { type: string; body: string }, out: { error?: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = views.render('./error', { error: out.error ?? 'error', description: out.error_description ?? '' });
    },
    ttl: { Interaction: 3600, Session: 8 * 3600, Grant: 8 * 3600, IdToken: 3600, AccessToken: options.accessTokenTtlSeconds ?? 8 * 3600 },
  });
  const oidc = provider.callback();

  async function interaction(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const details: Interaction = await provider.interactionDetails(request, response);
    if (details.prompt.name === 'consent') return consent(request, response, details);
    if (request.method === 'POST') {
      const form = await formBody(request);
      const user = findDevUser(form.get('email') ?? '');
      if (!user || form.get('password') !== DEV_PASSWORD) {
        return render(response, 401, './login', { uid: details.uid, users: DEV_USERS, email: form.get('email') ?? '', error: 'Unknown user or wrong password.' });
      }
      return provider.interactionFinished(request, response, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    }
    render(response, 200, './login', { uid: details.uid, users: DEV_USERS, email: '', error: '' });
  }

  // The portal is first-party: what it asks for is granted without a consent page.
  async function consent(request: IncomingMessage, response: ServerResponse, details: Interaction): Promise<void> {
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId: details.session!.accountId!, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    await provider.interactionFinished(request, response, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  handler = (request, response) => {
    if (request.url?.startsWith('/interaction/')) {
      interaction(request, response).catch((error: unknown) => {
        if (!response.headersSent) render(response, 400, './error', { error: 'interaction failed', description: error instanceof Error ? error.message : String(error) });
      });
    } else oidc(request, response);
  };

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
