import type { SmtpSettings } from '@cpor/mail';
/**
 * One typed view of the environment for every service. Read once at start-up; defaults are
 * the local servers that `npm run infra -- up` starts. Secrets have no production default.
 */
export interface ServiceConfig {
  service: ServiceName;
  httpPort: number;
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

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

const DEV_SECRET = 'cpor-local-development-secret-change-me';

export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const production = env.NODE_ENV === 'production';
  const jwtSecret = env.JWT_SECRET ?? (production ? undefined : DEV_SECRET);
  if (production && !jwtSecret && !env.JWKS_URL) throw new Error('JWT_SECRET or JWKS_URL must be set in production');
  const linkSecret = env.CONSENT_LINK_SECRET ?? (production ? '' : `${DEV_SECRET}-consent`);
  if (!linkSecret) throw new Error('CONSENT_LINK_SECRET must be set in production');
  const portVar = env[`${service.toUpperCase()}_PORT`] ?? (env.PORT && env.CPOR_SERVICE === service ? env.PORT : undefined);
  return {
    service,
    httpPort: portVar !== undefined ? Number(portVar) : DEFAULT_PORTS[service],
    httpHost: env.HTTP_HOST ?? '127.0.0.1',
    mongoUrl: env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
    mongoDb: env.MONGO_DB ?? 'cpor',
    mongoServerSelectionTimeoutMs: Number(env.MONGO_SERVER_SELECTION_TIMEOUT_MS ?? 10_000),
    claimPolicyId: env.CLAIM_POLICY_ID ?? 'cpor-2020-06',
    calendar: {
      timeZone: env.BUSINESS_TIME_ZONE ?? 'America/New_York',
      country: env.BUSINESS_HOLIDAYS_COUNTRY ?? 'US',
      region: env.BUSINESS_HOLIDAYS_REGION || undefined,
      extraHolidays: (env.BUSINESS_EXTRA_HOLIDAYS ?? '').split(',').map((d) => d.trim()).filter(Boolean),
    },
    auth: { jwtSecret, jwksUrl: env.JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
    consent: {
      linkSecret,
      publicBaseUrl: env.CONSENT_PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.CONSENT_PORT ?? DEFAULT_PORTS.consent}`,
    },
    smtp: {
      host: env.SMTP_HOST ?? '127.0.0.1',
      port: Number(env.SMTP_PORT ?? 1025),
      secure: env.SMTP_SECURE === 'true',
      user: env.SMTP_USER || undefined,
      password: env.SMTP_PASSWORD || undefined,
      from: env.MAIL_FROM ?? 'CPOR Claims <no-reply@cpor.local>',
    },
    pollIntervalMs: Number(env.POLL_INTERVAL_MS ?? 250),
    deadlinePollIntervalMs: Number(env.DEADLINE_POLL_INTERVAL_MS ?? 2_000),
    shutdownTimeoutMs: Number(env.SHUTDOWN_TIMEOUT_MS ?? 30_000),
  };
}
