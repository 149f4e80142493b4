import path from 'node:path';
import { configSchema, readEnv, setting, type Environment } from '@cpor/kernel';
import { DEFAULT_PORTAL_PORT, type ServiceConfig } from '@cpor/platform';

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

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/** The portal at its default port on this machine (apps/portal). */
const LOCAL_PORTAL_URL = `http://127.0.0.1:${DEFAULT_PORTAL_PORT}`;

/** The notification service's own variables (loadNotificationSettings). */
export const notificationSettingsSchema = configSchema(
  {
    PARTNER_PORTAL_URL: setting.url({
      description: "the partner portal's base: claim links in partner emails are `<PARTNER_PORTAL_URL>/claims/<id>`",
      schemes: ['https', 'http'],
      shownDefault: `the portal on this machine: \`${LOCAL_PORTAL_URL}\` (\`npm start\` passes the portal's PORTAL_PORT)`,
    }),
    REVIEWERS_EMAIL: setting.text({ description: "the PoE reviewers' mailbox (SLA breaches)", default: 'poe-reviewers@cpor.local', pattern: EMAIL, allowed: 'an email address' }),
    OPS_EMAIL: setting.text({ description: 'the operations mailbox (SLA breaches)', default: 'ops@cpor.local', pattern: EMAIL, allowed: 'an email address' }),
    NOTIFICATION_TEMPLATES_DIR: setting.text({
      description: 'folder of the email templates',
      shownDefault: '`apps/notifications/templates` (of the working directory)',
      allowed: 'a folder path',
    }),
    // 8: at 4 the sender fell behind a 500-claim burst (600 of 2,000 due emails sent after 20 s);
    // 8 and 16 kept up and ran the burst 10% faster end to end (docs/performance-history.md).
    NOTIFICATION_SEND_CONCURRENCY: setting.integer({ description: 'deliveries sent at once (SMTP connections in the pool)', default: 8, min: 1 }),
    NOTIFICATION_LEASE_MS: setting.milliseconds({ description: 'how long one sender owns a delivery (renewed between rounds; a send starts only with a fifth, at most 60 s, left)', default: 300_000 }),
    NOTIFICATION_RETRY_BASE_MS: setting.milliseconds({ description: 'backoff after the first failed attempt; doubled after each next one', default: 1_000 }),
    NOTIFICATION_RETRY_MAX_MS: setting.milliseconds({ description: 'the longest backoff between two attempts', default: 15 * 60_000 }),
  },
  (values) =>
    values.NOTIFICATION_RETRY_MAX_MS < values.NOTIFICATION_RETRY_BASE_MS
      ? [{ variable: 'NOTIFICATION_RETRY_MAX_MS', message: `expected at least NOTIFICATION_RETRY_BASE_MS (${values.NOTIFICATION_RETRY_BASE_MS})` }]
      : [],
);

export function loadNotificationSettings(config: ServiceConfig, env: Environment = process.env): NotificationSettings {
  const values = readEnv(notificationSettingsSchema, env);
  // PARTNER_PORTAL_URL is the portal's base (links: <portal>/claims/<id>, its claim page).
  const portal = (values.PARTNER_PORTAL_URL ?? LOCAL_PORTAL_URL).replace(/\/+$/, '');
  return {
    claimsBaseUrl: `${portal}/claims`,
    reviewersEmail: values.REVIEWERS_EMAIL,
    opsEmail: values.OPS_EMAIL,
    templatesDir: values.NOTIFICATION_TEMPLATES_DIR ?? path.resolve(process.cwd(), 'apps/notifications/templates'),
    timeZone: config.calendar.timeZone,
    strictTemplates: !config.production,
    sender: {
      intervalMs: config.pollIntervalMs,
      batchSize: 500,
      concurrency: values.NOTIFICATION_SEND_CONCURRENCY,
      leaseMs: values.NOTIFICATION_LEASE_MS,
      retryBaseMs: values.NOTIFICATION_RETRY_BASE_MS,
      retryMaxMs: values.NOTIFICATION_RETRY_MAX_MS,
    },
  };
}
