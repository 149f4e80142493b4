import { ConfigurationError } from '@cpor/kernel';
import { DEV_OIDC_CLIENT, loadPortalSettings } from './portal.settings.js';

const ISSUER = { OIDC_ISSUER_URL: 'http://127.0.0.1:3010' };
const problemOf = (env: Record<string, string>) => {
  try {
    loadPortalSettings(env);
    return '';
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return error.message;
  }
};

describe('the portal settings', () => {
  it('refuse to run without an identity provider, in any environment', () => {
    expect(problemOf({})).toBe('Invalid configuration: OIDC_ISSUER_URL is not set: expected the OpenID Connect issuer URL: the portal does not run without one');
    expect(problemOf({ NODE_ENV: 'development' })).toContain('OIDC_ISSUER_URL is not set');
  });

  it('default to the local services and the development client, on a loopback address without Secure cookies', () => {
    expect(loadPortalSettings(ISSUER)).toEqual({
      production: false,
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      secureCookies: false,
      intakeUrl: 'http://127.0.0.1:3001',
      reviewUrl: 'http://127.0.0.1:3002',
      oidc: {
        issuerUrl: 'http://127.0.0.1:3010',
        clientId: DEV_OIDC_CLIENT.clientId,
        clientSecret: DEV_OIDC_CLIENT.clientSecret,
        redirectUrl: 'http://127.0.0.1:3000/auth/callback',
        postLogoutRedirectUrl: 'http://127.0.0.1:3000/signed-out',
        scopes: 'openid profile email',
        resource: undefined,
      },
      sessionSecret: expect.any(String),
      calendar: { timeZone: 'America/New_York', country: 'US', region: undefined, extraHolidays: [] },
    });
    expect(loadPortalSettings({ ...ISSUER, PORTAL_PORT: '4000', INTAKE_PORT: '4001' })).toMatchObject({ publicUrl: 'http://127.0.0.1:4000', intakeUrl: 'http://127.0.0.1:4001' });
  });

  it('make cookies Secure when the portal is reached on any other address, which must then be https', () => {
    const settings = loadPortalSettings({ OIDC_ISSUER_URL: 'https://login.example/tenant/v2.0', PORTAL_PUBLIC_URL: 'https://portal.example/', OIDC_RESOURCE: 'urn:cpor:api' });
    expect(settings).toMatchObject({ publicUrl: 'https://portal.example', secureCookies: true, oidc: { redirectUrl: 'https://portal.example/auth/callback', resource: 'urn:cpor:api' } });
    expect(problemOf({ ...ISSUER, PORTAL_PUBLIC_URL: 'http://portal.example' })).toContain('PORTAL_PUBLIC_URL="http://portal.example": expected an https: URL');
    expect(problemOf({ OIDC_ISSUER_URL: 'http://login.example' })).toContain('OIDC_ISSUER_URL="http://login.example": expected an https: URL');
  });

  it('require the client secret and the session secret in production, and list every problem at once', () => {
    expect(problemOf({ NODE_ENV: 'production', ...ISSUER, OIDC_SCOPES: 'profile email', PORTAL_PORT: 'x' }).split('\n')).toEqual([
      'Invalid configuration: PORTAL_PORT="x": expected an integer port 0-65535',
    ]);
    expect(problemOf({ NODE_ENV: 'production', ...ISSUER, OIDC_SCOPES: 'profile email', PORTAL_SESSION_SECRET: 'short' }).split('\n')).toEqual([
      'Invalid configuration: OIDC_SCOPES="profile email": expected `openid` among the scopes',
      'Invalid configuration: PORTAL_SESSION_SECRET=<hidden>: expected at least 32 characters',
      'Invalid configuration: OIDC_CLIENT_SECRET must be set in production',
    ]);
    expect(loadPortalSettings({ NODE_ENV: 'production', ...ISSUER, OIDC_CLIENT_SECRET: 'the-client-secret', PORTAL_SESSION_SECRET: 's'.repeat(32) })).toMatchObject({
      production: true,
      sessionSecret: 's'.repeat(32),
      oidc: { clientSecret: 'the-client-secret' },
    });
  });
});
