import { ConfigurationError } from '@cpor/kernel';
import { loadServiceConfig, SERVICE_NAMES, type ServiceName } from './service-config.js';

const DEV_SECRET = 'cpor-local-development-secret-change-me';

const problemOf = (env: Record<string, string>, service: ServiceName = 'intake'): string => {
  try {
    loadServiceConfig(service, env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  throw new Error('no ConfigurationError');
};

describe('loadServiceConfig', () => {
  it('defaults to the local servers and development secrets', () => {
    expect(loadServiceConfig('intake', {})).toEqual({
      service: 'intake',
      production: false,
      httpPort: 3001,
      servicePorts: { intake: 3001, review: 3002, consent: 3003, eligibility: 3004, notifications: 3005 },
      httpHost: '127.0.0.1',
      mongoUrl: 'mongodb://127.0.0.1:27017',
      mongoDb: 'cpor',
      mongoServerSelectionTimeoutMs: 10_000,
      claimPolicyId: 'cpor-2020-06',
      clockControl: false,
      httpReadTimeoutMs: 15_000,
      calendar: { timeZone: 'America/New_York', country: 'US', region: undefined, extraHolidays: [] },
      auth: { jwtSecret: DEV_SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined },
      consent: { linkSecret: `${DEV_SECRET}-consent`, publicBaseUrl: 'http://127.0.0.1:3003' },
      smtp: { host: '127.0.0.1', port: 1025, secure: false, user: undefined, password: undefined, from: 'CPOR Claims <no-reply@cpor.local>' },
      pollIntervalMs: 250,
      deadlinePollIntervalMs: 2_000,
      shutdownTimeoutMs: 30_000,
    });
  });

  it.each(SERVICE_NAMES.map((name, i) => [name, 3001 + i] as const))('listens for %s on %i by default', (name, port) => {
    expect(loadServiceConfig(name, {}).httpPort).toBe(port);
  });

  it('reads what is set', () => {
    const config = loadServiceConfig('consent', {
      NODE_ENV: 'production',
      CONSENT_PORT: '4003',
      HTTP_HOST: '0.0.0.0',
      MONGO_URL: 'mongodb://mongodb:27017',
      MONGO_DB: 'cpor_it',
      MONGO_SERVER_SELECTION_TIMEOUT_MS: '2000',
      JWKS_URL: 'https://login.example/keys',
      JWT_ISSUER: 'https://login.example',
      CONSENT_LINK_SECRET: 'link-secret',
      CLAIM_POLICY_ID: 'cpor-2023-10',
      BUSINESS_TIME_ZONE: 'Europe/Berlin',
      BUSINESS_HOLIDAYS_COUNTRY: 'DE',
      BUSINESS_HOLIDAYS_REGION: 'BE',
      BUSINESS_EXTRA_HOLIDAYS: '2030-12-24, 2030-12-31',
      SMTP_PORT: '465',
      SMTP_SECURE: 'true',
      SMTP_USER: 'mailer',
      SMTP_PASSWORD: 'pw',
      MAIL_FROM: 'ops@cpor.example',
      POLL_INTERVAL_MS: '100',
      DEADLINE_POLL_INTERVAL_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    expect(config).toMatchObject({
      production: true,
      httpPort: 4003,
      httpHost: '0.0.0.0',
      mongoUrl: 'mongodb://mongodb:27017',
      mongoDb: 'cpor_it',
      mongoServerSelectionTimeoutMs: 2_000,
      claimPolicyId: 'cpor-2023-10',
      calendar: { timeZone: 'Europe/Berlin', country: 'DE', region: 'BE', extraHolidays: ['2030-12-24', '2030-12-31'] },
      auth: { jwtSecret: undefined, jwksUrl: 'https://login.example/keys', issuer: 'https://login.example' },
      consent: { linkSecret: 'link-secret', publicBaseUrl: 'http://127.0.0.1:4003' },
      smtp: { port: 465, secure: true, user: 'mailer', password: 'pw', from: 'ops@cpor.example' },
      pollIntervalMs: 100,
      deadlinePollIntervalMs: 100,
      shutdownTimeoutMs: 5_000,
    });
  });

  it("takes a service's port from <SERVICE>_PORT, else from PORT when CPOR_SERVICE names it", () => {
    expect(loadServiceConfig('review', { REVIEW_PORT: '4002', PORT: '8080', CPOR_SERVICE: 'review' }).httpPort).toBe(4002);
    expect(loadServiceConfig('review', { PORT: '8080', CPOR_SERVICE: 'review' }).httpPort).toBe(8080);
    expect(loadServiceConfig('review', { PORT: '8080', CPOR_SERVICE: 'intake' }).httpPort).toBe(3002);
    expect(loadServiceConfig('review', { PORT: '8080' }).httpPort).toBe(3002);
    expect(loadServiceConfig('review', { REVIEW_PORT: '' }).httpPort).toBe(3002);
    expect(loadServiceConfig('review', { REVIEW_PORT: '0' }).httpPort).toBe(0);
  });

  it('keeps an empty BUSINESS_HOLIDAYS_COUNTRY: weekends only', () => {
    expect(loadServiceConfig('review', { BUSINESS_HOLIDAYS_COUNTRY: '' }).calendar.country).toBe('');
  });

  it.each([
    [{ INTAKE_PORT: '30o1' }, 'INTAKE_PORT="30o1": expected an integer port 0-65535'],
    [{ NOTIFICATIONS_PORT: '70000' }, 'NOTIFICATIONS_PORT="70000": expected an integer port 0-65535'],
    [{ PORT: 'http', CPOR_SERVICE: 'intake' }, 'PORT="http": expected an integer port 0-65535'],
    [{ SMTP_PORT: '-25' }, 'SMTP_PORT="-25": expected an integer port 0-65535'],
    [{ SHUTDOWN_TIMEOUT_MS: '-1' }, 'SHUTDOWN_TIMEOUT_MS="-1": expected an integer number of milliseconds >= 1'],
    [{ MONGO_SERVER_SELECTION_TIMEOUT_MS: '10s' }, 'MONGO_SERVER_SELECTION_TIMEOUT_MS="10s": expected an integer number of milliseconds >= 1'],
    [{ POLL_INTERVAL_MS: '0' }, 'POLL_INTERVAL_MS="0": expected an integer number of milliseconds >= 1'],
    [{ NODE_ENV: 'prod' }, 'NODE_ENV="prod": expected one of development, test, production'],
    [{ CPOR_SERVICE: 'billing' }, 'CPOR_SERVICE="billing": expected one of intake, review, consent, eligibility, notifications'],
    [{ SMTP_SECURE: 'yes' }, 'SMTP_SECURE="yes": expected true or false (or 1 or 0)'],
    [{ CLAIM_POLICY_ID: 'cpor-2099' }, 'CLAIM_POLICY_ID="cpor-2099": expected one of cpor-2020-06, cpor-2023-10'],
    [{ MONGO_URL: 'postgres://db:5432' }, 'MONGO_URL="postgres://db:5432": expected a mongodb:// or mongodb+srv:// connection string'],
    [{ MONGO_DB: 'cpor.test' }, 'MONGO_DB="cpor.test": expected a database name: 1-63 characters, no space and none of / \\ . " $ * < > : | ?'],
    [{ JWKS_URL: 'login.example/keys' }, 'JWKS_URL="login.example/keys": expected an absolute https: or http: URL'],
    [{ CONSENT_PUBLIC_BASE_URL: 'consent.example' }, 'CONSENT_PUBLIC_BASE_URL="consent.example": expected an absolute http: or https: URL'],
    [{ BUSINESS_TIME_ZONE: 'Mars/Olympus' }, 'BUSINESS_TIME_ZONE="Mars/Olympus": expected an IANA time zone, e.g. America/New_York'],
    [{ BUSINESS_HOLIDAYS_COUNTRY: 'USA' }, 'BUSINESS_HOLIDAYS_COUNTRY="USA": expected an ISO 3166-1 alpha-2 country code with holiday data, e.g. US, or empty'],
    [{ BUSINESS_HOLIDAYS_COUNTRY: 'ZZ' }, 'BUSINESS_HOLIDAYS_COUNTRY="ZZ": expected a country code with holiday data (date-holidays), e.g. US'],
    [{ BUSINESS_HOLIDAYS_REGION: 'ZZ' }, 'BUSINESS_HOLIDAYS_REGION="ZZ": expected a subdivision of US with holiday data (date-holidays)'],
    [{ BUSINESS_HOLIDAYS_COUNTRY: '', BUSINESS_HOLIDAYS_REGION: 'NY' }, 'BUSINESS_HOLIDAYS_REGION="NY": expected BUSINESS_HOLIDAYS_COUNTRY to be set too'],
    [{ BUSINESS_EXTRA_HOLIDAYS: '2030-12-24,2030-02-30' }, 'BUSINESS_EXTRA_HOLIDAYS="2030-12-24,2030-02-30": expected comma-separated dates YYYY-MM-DD'],
    [{ MAIL_FROM: 'CPOR <no-reply>' }, 'MAIL_FROM="CPOR <no-reply>": expected an email address, or a name and <address>'],
  ])('refuses %j in one line', (env, problem) => {
    expect(problemOf(env)).toBe(`Invalid configuration: ${problem}`);
  });

  it('requires the secrets in production, and names every bad variable', () => {
    expect(problemOf({ NODE_ENV: 'production' }).split('\n')).toEqual([
      'Invalid configuration: JWT_SECRET or JWKS_URL must be set in production',
      'Invalid configuration: CONSENT_LINK_SECRET must be set in production',
    ]);
    expect(problemOf({ NODE_ENV: 'production', JWT_SECRET: '', CONSENT_LINK_SECRET: '' })).toMatch(/JWT_SECRET or JWKS_URL must be set in production/);
    expect(loadServiceConfig('intake', { NODE_ENV: 'production', JWT_SECRET: 's', CONSENT_LINK_SECRET: 'c' }).auth.jwtSecret).toBe('s');
    expect(problemOf({ INTAKE_PORT: 'x', SHUTDOWN_TIMEOUT_MS: '-5' }).split('\n')).toEqual([
      'Invalid configuration: INTAKE_PORT="x": expected an integer port 0-65535',
      'Invalid configuration: SHUTDOWN_TIMEOUT_MS="-5": expected an integer number of milliseconds >= 1',
    ]);
  });

  it('never prints a secret or the password of a URL', () => {
    const message = problemOf({ MONGO_URL: 'mongo://cpor:s3cr3t-pw@db:27017', JWT_SECRET: 'jwt-s3cr3t', SMTP_PASSWORD: 'smtp-s3cr3t', INTAKE_PORT: 'x' });
    expect(message).toContain('MONGO_URL="mongo://cpor:<hidden>@db:27017"');
    expect(message).not.toMatch(/s3cr3t/);
  });
});
