import path from 'node:path';
import type { ServiceConfig } from '@cpor/platform';

/** Notification-specific settings, read once at start-up from the environment. */
export interface NotificationSettings {
  /** Partner-facing claim links are `${claimsBaseUrl}/${claimId}`. */
  claimsBaseUrl: string;
  reviewersEmail: string;
  opsEmail: string;
  templatesDir: string;
  /** Dates in emails are shown in the business calendar's time zone. */
  timeZone: string;
  /** A missing template variable throws (dev, tests); in production it renders empty and is logged. */
  strictTemplates: boolean;
  sender: SenderOptions;
}

export interface SenderOptions {
  /** How often the sender looks for due deliveries when nothing nudges it. */
  intervalMs: number;
  /** Due deliveries listed per query (FerretDB reads every pending row for each: fewer, larger rounds cost less). */
  batchSize: number;
  /** Deliveries sent at once (SMTP connections in the pool). */
  concurrency: number;
  /** How long one instance owns a delivery while sending it (longer than the SMTP timeouts). */
  leaseMs: number;
  /** Backoff after the n-th failed attempt: min(retryBaseMs * 2^(n-1), retryMaxMs). */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const NOTIFICATION_SETTINGS = Symbol('NOTIFICATION_SETTINGS');

export function loadNotificationSettings(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): NotificationSettings {
  // PARTNER_PORTAL_URL is the portal's base (links: <portal>/claims/<id>); without it, the intake API's claim resource.
  const portal = env.PARTNER_PORTAL_URL?.replace(/\/+$/, '');
  const claimsBaseUrl = portal ? `${portal}/claims` : `http://127.0.0.1:${env.INTAKE_PORT ?? 3001}/v1/claims`;
  return {
    claimsBaseUrl,
    reviewersEmail: env.REVIEWERS_EMAIL ?? 'poe-reviewers@cpor.local',
    opsEmail: env.OPS_EMAIL ?? 'ops@cpor.local',
    templatesDir: env.NOTIFICATION_TEMPLATES_DIR ?? path.resolve(process.cwd(), 'apps/notifications/templates'),
    timeZone: config.calendar.timeZone,
    strictTemplates: env.NODE_ENV !== 'production',
    sender: {
      intervalMs: config.pollIntervalMs,
      batchSize: 500,
      concurrency: Number(env.NOTIFICATION_SEND_CONCURRENCY ?? 4),
      leaseMs: Number(env.NOTIFICATION_LEASE_MS ?? 300_000),
      retryBaseMs: Number(env.NOTIFICATION_RETRY_BASE_MS ?? 1_000),
      retryMaxMs: Number(env.NOTIFICATION_RETRY_MAX_MS ?? 15 * 60_000),
    },
  };
}
