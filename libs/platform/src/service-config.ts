import type { SmtpSettings } from '@cpor/mail';
import { hasHolidayData, POLICIES } from '@cpor/domain';
import { configSchema, readEnv, setting, type ConfigProblem, type Environment } from '@cpor/kernel';
/**
 * One typed view of the environment for every service. Read once at start-up; defaults are
 * the local servers that `npm run infra -- up` starts. Secrets have no production default.
 */
export interface ServiceConfig {
  service: ServiceName;
  /** NODE_ENV=production: no development defaults for secrets; templates render a missing variable empty. */
  production: boolean;
  /** CLOCK_CONTROL=on: the controlled business clock (never in production). */
  clockControl: boolean;
  /** HTTP_READ_TIMEOUT_MS: a GET answers 503 after this long. */
  httpReadTimeoutMs: number;
  httpPort: number;
  /** Each service's `<SERVICE>_PORT` (or default): where the services reach one another on this host. */
  servicePorts: Record<ServiceName, number>;
  /** Interface to listen on: loopback by default; `0.0.0.0` in a container. */
  httpHost: string;
  mongoUrl: string;
  mongoDb: string;
  /** How long one operation waits for an unreachable store before failing (and being retried). */
  mongoServerSelectionTimeoutMs: number;
  claimPolicyId: string;
  calendar: { timeZone: string; country?: string; region?: string; extraHolidays: string[] };
  auth: { jwtSecret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  consent: { linkSecret: string; publicBaseUrl: string };
  smtp: SmtpSettings;
  pollIntervalMs: number;
  /** Deadline pollers: deadlines are days apart, so a poll every 2 s is ample (a poll reads only the poll days since the last). */
  deadlinePollIntervalMs: number;
  /** The most a stop on SIGTERM/SIGINT may take before the process exits anyway (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
}

export const SERVICE_NAMES = ['intake', 'review', 'consent', 'eligibility', 'notifications'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  intake: 3001,
  review: 3002,
  consent: 3003,
  eligibility: 3004,
  notifications: 3005,
};

/** The portal's default port (apps/portal: PORTAL_PORT); also where notifications' claim links point by default. */
export const DEFAULT_PORTAL_PORT = 3000;

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

const DEV_SECRET = 'cpor-local-development-secret-change-me';

const servicePort = (service: ServiceName) =>
  setting.port({ description: `HTTP port of the ${service} service`, shownDefault: `\`${DEFAULT_PORTS[service]}\`` });
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isLocalDate = (date: string) => !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);
const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
const EMAIL = '[^\\s@<>]+@[^\\s@<>]+';
const MAILBOX = new RegExp(`^(${EMAIL}|[^<>]*<${EMAIL}>)$`);

/** The variables every service reads (its chassis): loadServiceConfig. */
export const serviceConfigSchema = configSchema(
  {
    NODE_ENV: setting.oneOf(['development', 'test', 'production'], {
      description: '`production` requires real secrets (no development defaults) and renders a missing template variable empty',
      shownDefault: '– (as `development`)',
    }),
    INTAKE_PORT: servicePort('intake'),
    REVIEW_PORT: servicePort('review'),
    CONSENT_PORT: servicePort('consent'),
    ELIGIBILITY_PORT: servicePort('eligibility'),
    NOTIFICATIONS_PORT: servicePort('notifications'),
    CPOR_SERVICE: setting.oneOf(SERVICE_NAMES, { description: 'the Docker image: which service the container runs' }),
    PORT: setting.port({ description: 'the port of the service CPOR_SERVICE names, when its `<SERVICE>_PORT` is unset' }),
    HTTP_HOST: setting.text({
      description: 'interface the HTTP server listens on (`0.0.0.0` in a container)',
      default: '127.0.0.1',
      pattern: /^\S+$/,
      allowed: 'a host name or IP address',
    }),
    MONGO_URL: setting.text({
      description: 'the store (FerretDB or MongoDB)',
      default: 'mongodb://127.0.0.1:27017',
      pattern: /^mongodb(\+srv)?:\/\/\S+$/,
      allowed: 'a mongodb:// or mongodb+srv:// connection string',
    }),
    MONGO_DB: setting.text({
      description: 'database of the store',
      default: 'cpor',
      pattern: /^[^/\\. "$*<>:|?]{1,63}$/,
      allowed: 'a database name: 1-63 characters, no space and none of / \\ . " $ * < > : | ?',
    }),
    MONGO_SERVER_SELECTION_TIMEOUT_MS: setting.milliseconds({
      description: 'how long one operation waits for an unreachable store before failing (HTTP 503, Kafka records retried until it is back)',
      default: 10_000,
    }),
    JWT_SECRET: setting.secret({
      description: 'bearer tokens: HS256 with this shared secret (beside JWKS_URL when both are set); one of the two is required in production',
      shownDefault: 'development secret (none in production)',
    }),
    JWKS_URL: setting.url({ description: "bearer tokens: RS256/ES256/PS256 with the keys of this JWKS (the identity provider's); HS256 tokens still need JWT_SECRET", schemes: ['https', 'http'] }),
    JWT_ISSUER: setting.text({ description: 'the `iss` bearer tokens must carry (unchecked when unset); with JWKS_URL, only the tokens verified through it' }),
    JWT_AUDIENCE: setting.text({ description: 'the `aud` bearer tokens must carry (unchecked when unset); with JWKS_URL, only the tokens verified through it' }),
    CLAIM_POLICY_ID: setting.oneOf(Object.keys(POLICIES) as [string, ...string[]], { description: 'policy stamped on new claims', default: 'cpor-2020-06' }),
    BUSINESS_TIME_ZONE: setting.text({
      description: 'time zone in which business days are counted',
      default: 'America/New_York',
      test: isTimeZone,
      allowed: 'an IANA time zone, e.g. America/New_York',
    }),
    BUSINESS_HOLIDAYS_COUNTRY: setting.text({
      description: 'country whose public holidays are not business days (empty: weekends only)',
      default: 'US',
      keepEmpty: true,
      pattern: /^([A-Za-z]{2})?$/,
      allowed: 'an ISO 3166-1 alpha-2 country code with holiday data, e.g. US, or empty',
    }),
    BUSINESS_HOLIDAYS_REGION: setting.text({
      description: "subdivision of BUSINESS_HOLIDAYS_COUNTRY whose holidays count too, e.g. NY",
      allowed: 'an ISO 3166-2 subdivision code with holiday data, e.g. NY',
    }),
    BUSINESS_EXTRA_HOLIDAYS: setting.list({
      description: 'more days off (company closures, corrections to the holiday data)',
      default: [],
      item: LOCAL_DATE,
      test: isLocalDate,
      items: 'dates YYYY-MM-DD',
    }),
    CONSENT_LINK_SECRET: setting.secret({
      description: "key of the customer's signed decline link (consent and notifications share it); required in production",
      shownDefault: 'development secret (none in production)',
    }),
    CONSENT_PUBLIC_BASE_URL: setting.url({
      description: "base of the decline link in the customer's email: the consent service as the customer's browser reaches it",
      schemes: ['http', 'https'],
      shownDefault: '`http://127.0.0.1:<CONSENT_PORT>`',
    }),
    SMTP_HOST: setting.text({ description: 'outgoing mail server', default: '127.0.0.1', pattern: /^\S+$/, allowed: 'a host name or IP address' }),
    SMTP_PORT: setting.port({ description: 'outgoing mail server port', default: 1025 }),
    SMTP_SECURE: setting.flag({ description: 'TLS from the start (port 465); otherwise STARTTLS when the server offers it', default: false }),
    SMTP_USER: setting.text({ description: 'SMTP login (none when unset)' }),
    SMTP_PASSWORD: setting.secret({ description: 'SMTP password' }),
    MAIL_FROM: setting.text({
      description: 'sender of every email',
      default: 'CPOR Claims <no-reply@cpor.local>',
      pattern: MAILBOX,
      allowed: 'an email address, or a name and <address>',
    }),
    POLL_INTERVAL_MS: setting.milliseconds({
      description: 'outbox relay and mail sender poll interval (both are also nudged when work arrives)',
      default: 250,
    }),
    DEADLINE_POLL_INTERVAL_MS: setting.milliseconds({
      description: "deadline pollers' interval (a poll reads the owner's pending deadlines of the poll days since the last poll, and wakes the poller for one falling due before the next; a full sweep every 5 minutes)",
      default: 2_000,
    }),
    HTTP_READ_TIMEOUT_MS: setting.milliseconds({
      description: "a read (GET) without an answer by then answers 503 with Retry-After (writes are not cut short: bounded by the store's server selection timeout, and by the ledger's settling of an insert whose answer was lost, about 10 s)",
      default: 15_000,
    }),
    CLOCK_CONTROL: setting.oneOf(['on', 'off'], {
      description: 'the controlled business clock (docs/operations.md): `on` lets cpor-ops move every service\'s business time forward over /ops/clock; refused in production',
      default: 'off',
    }),
    SHUTDOWN_TIMEOUT_MS: setting.milliseconds({
      description: "the most a service's stop on SIGTERM/SIGINT may take (finish in-flight batches, commit, relay, close the store) before it exits with status 1 anyway",
      default: 30_000,
    }),
  },
  (values): ConfigProblem[] => {
    const problems: ConfigProblem[] = [];
    if (values.NODE_ENV === 'production') {
      if (!values.JWT_SECRET && !values.JWKS_URL) problems.push({ message: 'JWT_SECRET or JWKS_URL must be set in production' });
      if (!values.CONSENT_LINK_SECRET) problems.push({ message: 'CONSENT_LINK_SECRET must be set in production' });
      if (values.CLOCK_CONTROL === 'on') problems.push({ message: 'CLOCK_CONTROL=on is refused with NODE_ENV=production' });
    }
    const country = values.BUSINESS_HOLIDAYS_COUNTRY;
    if (country && !hasHolidayData(country)) {
      problems.push({ variable: 'BUSINESS_HOLIDAYS_COUNTRY', message: 'expected a country code with holiday data (date-holidays), e.g. US' });
    } else if (values.BUSINESS_HOLIDAYS_REGION && !(country && hasHolidayData(country, values.BUSINESS_HOLIDAYS_REGION))) {
      problems.push({
        variable: 'BUSINESS_HOLIDAYS_REGION',
        message: country ? `expected a subdivision of ${country.toUpperCase()} with holiday data (date-holidays)` : 'expected BUSINESS_HOLIDAYS_COUNTRY to be set too',
      });
    }
    return problems;
  },
);

const PORT_VARIABLES = {
  intake: 'INTAKE_PORT',
  review: 'REVIEW_PORT',
  consent: 'CONSENT_PORT',
  eligibility: 'ELIGIBILITY_PORT',
  notifications: 'NOTIFICATIONS_PORT',
} as const satisfies Record<ServiceName, keyof typeof serviceConfigSchema.shape>;

/**
 * Reads and checks the chassis's variables (serviceConfigSchema); throws a ConfigurationError
 * naming each bad one. A service's port: `<SERVICE>_PORT`, else PORT when CPOR_SERVICE names it,
 * else its default.
 */
export function loadServiceConfig(service: ServiceName, env: Environment = process.env): ServiceConfig {
  const values = readEnv(serviceConfigSchema, env);
  const production = values.NODE_ENV === 'production';
  const servicePorts = Object.fromEntries(SERVICE_NAMES.map((name) => [name, values[PORT_VARIABLES[name]] ?? DEFAULT_PORTS[name]])) as Record<ServiceName, number>;
  const ownPort = values[PORT_VARIABLES[service]] ?? (values.PORT !== undefined && values.CPOR_SERVICE === service ? values.PORT : undefined);
  return {
    service,
    production,
    clockControl: values.CLOCK_CONTROL === 'on',
    httpReadTimeoutMs: values.HTTP_READ_TIMEOUT_MS,
    httpPort: ownPort ?? DEFAULT_PORTS[service],
    servicePorts,
    httpHost: values.HTTP_HOST,
    mongoUrl: values.MONGO_URL,
    mongoDb: values.MONGO_DB,
    mongoServerSelectionTimeoutMs: values.MONGO_SERVER_SELECTION_TIMEOUT_MS,
    claimPolicyId: values.CLAIM_POLICY_ID,
    calendar: {
      timeZone: values.BUSINESS_TIME_ZONE,
      country: values.BUSINESS_HOLIDAYS_COUNTRY,
      region: values.BUSINESS_HOLIDAYS_REGION,
      extraHolidays: values.BUSINESS_EXTRA_HOLIDAYS,
    },
    auth: {
      jwtSecret: values.JWT_SECRET ?? (production ? undefined : DEV_SECRET),
      jwksUrl: values.JWKS_URL,
      issuer: values.JWT_ISSUER,
      audience: values.JWT_AUDIENCE,
    },
    consent: {
      linkSecret: values.CONSENT_LINK_SECRET ?? `${DEV_SECRET}-consent`,
      publicBaseUrl: values.CONSENT_PUBLIC_BASE_URL ?? `http://127.0.0.1:${servicePorts.consent}`,
    },
    smtp: {
      host: values.SMTP_HOST,
      port: values.SMTP_PORT,
      secure: values.SMTP_SECURE,
      user: values.SMTP_USER,
      password: values.SMTP_PASSWORD,
      from: values.MAIL_FROM,
    },
    pollIntervalMs: values.POLL_INTERVAL_MS,
    deadlinePollIntervalMs: values.DEADLINE_POLL_INTERVAL_MS,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
  };
}
