import { hasHolidayData } from '@cpor/domain';
import { configSchema, readEnv, setting, type ConfigProblem, type Environment } from '@cpor/kernel';
import { DEFAULT_PORTAL_PORT, DEFAULT_PORTS, serviceConfigSchema } from '@cpor/platform';

/** The portal's configuration, read once at start-up (loadPortalSettings). */
export interface PortalSettings {
  production: boolean;
  host: string;
  port: number;
  /** The portal as browsers reach it: links, redirects, and whether cookies are Secure. */
  publicUrl: string;
  /** Cookies get `Secure` (and the `__Host-` prefix) unless the portal is reached on a loopback address. */
  secureCookies: boolean;
  intakeUrl: string;
  reviewUrl: string;
  oidc: {
    issuerUrl: string;
    clientId: string;
    clientSecret: string;
    redirectUrl: string;
    /** Where the provider sends the browser back after signing out. */
    postLogoutRedirectUrl: string;
    scopes: string;
    resource?: string;
  };
  /** Key of the session cookie's encryption and of the CSRF tokens. */
  sessionSecret: string;
  calendar: { timeZone: string; country?: string; region?: string; extraHolidays: string[] };
}

/** The client the development identity provider registers for the portal (tools/dev-identity-provider). */
export const DEV_OIDC_CLIENT = { clientId: 'cpor-portal', clientSecret: 'cpor-portal-local-development-secret' };
const DEV_SESSION_SECRET = 'cpor-portal-local-development-session-secret-change-me';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const isLoopback = (url: string) => LOOPBACK.has(new URL(url).hostname);
const shared = serviceConfigSchema.shape;

/** The portal's variables: its own, and the chassis's it shares with the services (the same declarations). */
export const portalSettingsSchema = configSchema(
  {
    NODE_ENV: shared.NODE_ENV,
    HTTP_HOST: shared.HTTP_HOST,
    PORTAL_PORT: setting.port({ description: 'HTTP port of the portal (web UI)', shownDefault: `\`${DEFAULT_PORTAL_PORT}\`` }),
    PORTAL_PUBLIC_URL: setting.url({
      description: 'the portal as browsers reach it (https outside loopback): sign-in redirects, and Secure cookies unless it is a loopback address',
      schemes: ['https', 'http'],
      shownDefault: '`http://127.0.0.1:<PORTAL_PORT>`',
    }),
    INTAKE_PORT: shared.INTAKE_PORT,
    REVIEW_PORT: shared.REVIEW_PORT,
    INTAKE_API_URL: setting.url({ description: "the portal's way to intake's partner API", schemes: ['https', 'http'], shownDefault: '`http://127.0.0.1:<INTAKE_PORT>`' }),
    REVIEW_API_URL: setting.url({ description: "the portal's way to review's reviewer API", schemes: ['https', 'http'], shownDefault: '`http://127.0.0.1:<REVIEW_PORT>`' }),
    OIDC_ISSUER_URL: setting.url({
      description: 'the OpenID Connect provider people sign in with (its discovery document is `<issuer>/.well-known/openid-configuration`); required: the portal does not start without it (`npm start` sets the development provider)',
      schemes: ['https', 'http'],
    }),
    OIDC_CLIENT_ID: setting.text({ description: "the portal's client id at the provider", default: DEV_OIDC_CLIENT.clientId }),
    OIDC_CLIENT_SECRET: setting.secret({
      description: "the portal's client secret at the provider (sent as client_secret_post); required in production",
      shownDefault: "the development provider's (none in production)",
    }),
    OIDC_REDIRECT_URL: setting.url({ description: 'the redirect URI registered at the provider', schemes: ['https', 'http'], shownDefault: '`<PORTAL_PUBLIC_URL>/auth/callback`' }),
    OIDC_SCOPES: setting.text({
      description: 'scopes asked for at sign-in; the ID token must carry `roles` (and `partnerId` for partner users), the access token the same for the APIs',
      default: 'openid profile email',
      pattern: /^\S+( \S+)*$/,
      allowed: 'scopes separated by single spaces, `openid` among them',
    }),
    OIDC_RESOURCE: setting.url({
      description: 'resource indicator (RFC 8707) sent at sign-in, for providers that mint API access tokens per resource (unset: none sent)',
      schemes: ['https', 'http', 'urn'],
    }),
    PORTAL_SESSION_SECRET: setting.secret({
      description: "key of the portal's encrypted session cookie and its CSRF tokens (at least 32 characters); required in production",
      shownDefault: 'development secret (none in production)',
    }),
    BUSINESS_TIME_ZONE: shared.BUSINESS_TIME_ZONE,
    BUSINESS_HOLIDAYS_COUNTRY: shared.BUSINESS_HOLIDAYS_COUNTRY,
    BUSINESS_HOLIDAYS_REGION: shared.BUSINESS_HOLIDAYS_REGION,
    BUSINESS_EXTRA_HOLIDAYS: shared.BUSINESS_EXTRA_HOLIDAYS,
  },
  (values): ConfigProblem[] => {
    const problems: ConfigProblem[] = [];
    if (!values.OIDC_ISSUER_URL) {
      problems.push({ variable: 'OIDC_ISSUER_URL', message: 'expected the OpenID Connect issuer URL: the portal does not run without one' });
    } else if (!values.OIDC_ISSUER_URL.startsWith('https:') && !isLoopback(values.OIDC_ISSUER_URL)) {
      problems.push({ variable: 'OIDC_ISSUER_URL', message: 'expected an https: URL (http: only on a loopback address, for development)' });
    }
    if (values.PORTAL_PUBLIC_URL && !values.PORTAL_PUBLIC_URL.startsWith('https:') && !isLoopback(values.PORTAL_PUBLIC_URL)) {
      problems.push({ variable: 'PORTAL_PUBLIC_URL', message: 'expected an https: URL (http: only on a loopback address, for development): session cookies are Secure elsewhere' });
    }
    if (values.OIDC_SCOPES && !values.OIDC_SCOPES.split(' ').includes('openid')) problems.push({ variable: 'OIDC_SCOPES', message: 'expected `openid` among the scopes' });
    if (values.PORTAL_SESSION_SECRET !== undefined && values.PORTAL_SESSION_SECRET.length < 32) {
      problems.push({ variable: 'PORTAL_SESSION_SECRET', message: 'expected at least 32 characters' });
    }
    if (values.NODE_ENV === 'production') {
      if (!values.OIDC_CLIENT_SECRET) problems.push({ message: 'OIDC_CLIENT_SECRET must be set in production' });
      if (!values.PORTAL_SESSION_SECRET) problems.push({ message: 'PORTAL_SESSION_SECRET must be set in production' });
    }
    const country = values.BUSINESS_HOLIDAYS_COUNTRY;
    if (country && !hasHolidayData(country, values.BUSINESS_HOLIDAYS_REGION)) {
      problems.push({ variable: 'BUSINESS_HOLIDAYS_COUNTRY', message: 'expected a country (and region) with holiday data (date-holidays), as for the services' });
    }
    return problems;
  },
);

export function loadPortalSettings(env: Environment = process.env): PortalSettings {
  const values = readEnv(portalSettingsSchema, env);
  const production = values.NODE_ENV === 'production';
  const port = values.PORTAL_PORT ?? DEFAULT_PORTAL_PORT;
  const publicUrl = (values.PORTAL_PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  return {
    production,
    host: values.HTTP_HOST,
    port,
    publicUrl,
    secureCookies: !isLoopback(publicUrl),
    intakeUrl: (values.INTAKE_API_URL ?? `http://127.0.0.1:${values.INTAKE_PORT ?? DEFAULT_PORTS.intake}`).replace(/\/+$/, ''),
    reviewUrl: (values.REVIEW_API_URL ?? `http://127.0.0.1:${values.REVIEW_PORT ?? DEFAULT_PORTS.review}`).replace(/\/+$/, ''),
    oidc: {
      issuerUrl: values.OIDC_ISSUER_URL!,
      clientId: values.OIDC_CLIENT_ID,
      clientSecret: values.OIDC_CLIENT_SECRET ?? DEV_OIDC_CLIENT.clientSecret,
      redirectUrl: values.OIDC_REDIRECT_URL ?? `${publicUrl}/auth/callback`,
      postLogoutRedirectUrl: `${publicUrl}/signed-out`,
      scopes: values.OIDC_SCOPES,
      resource: values.OIDC_RESOURCE,
    },
    sessionSecret: values.PORTAL_SESSION_SECRET ?? DEV_SESSION_SECRET,
    calendar: {
      timeZone: values.BUSINESS_TIME_ZONE,
      country: values.BUSINESS_HOLIDAYS_COUNTRY,
      region: values.BUSINESS_HOLIDAYS_REGION,
      extraHolidays: values.BUSINESS_EXTRA_HOLIDAYS,
    },
  };
}
