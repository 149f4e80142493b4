import path from 'node:path';
import { loadServiceConfig } from '@cpor/platform';
import { loadNotificationSettings } from './notifications.settings.js';

const config = loadServiceConfig('notifications', {});

describe('loadNotificationSettings', () => {
  it('defaults to the local portal, the local mailboxes and the templates of the working directory', () => {
    expect(loadNotificationSettings(config, {})).toEqual({
      claimsBaseUrl: 'http://127.0.0.1:3000/claims',
      reviewersEmail: 'poe-reviewers@cpor.local',
      opsEmail: 'ops@cpor.local',
      templatesDir: path.resolve(process.cwd(), 'apps/notifications/templates'),
      timeZone: 'America/New_York',
      strictTemplates: true,
      sender: { intervalMs: 250, batchSize: 500, concurrency: 8, leaseMs: 300_000, retryBaseMs: 1_000, retryMaxMs: 900_000 },
    });
  });

  it("links to the configured portal's claim pages", () => {
    expect(loadNotificationSettings(config, { PARTNER_PORTAL_URL: 'https://portal.example/' }).claimsBaseUrl).toBe('https://portal.example/claims');
  });

  it('renders a missing template variable empty in production only', () => {
    const production = loadServiceConfig('notifications', { NODE_ENV: 'production', JWT_SECRET: 's', CONSENT_LINK_SECRET: 'c' });
    expect(loadNotificationSettings(production, {}).strictTemplates).toBe(false);
  });

  it.each([
    [{ NOTIFICATION_LEASE_MS: '-300000' }, 'NOTIFICATION_LEASE_MS="-300000": expected an integer number of milliseconds >= 1'],
    [{ NOTIFICATION_SEND_CONCURRENCY: 'four' }, 'NOTIFICATION_SEND_CONCURRENCY="four": expected an integer >= 1'],
    [{ REVIEWERS_EMAIL: 'reviewers' }, 'REVIEWERS_EMAIL="reviewers": expected an email address'],
    [{ PARTNER_PORTAL_URL: 'portal.example' }, 'PARTNER_PORTAL_URL="portal.example": expected an absolute https: or http: URL'],
    [{ NOTIFICATION_RETRY_MAX_MS: '500' }, 'NOTIFICATION_RETRY_MAX_MS="500": expected at least NOTIFICATION_RETRY_BASE_MS (1000)'],
  ])('refuses %j in one line', (env, problem) => {
    expect(() => loadNotificationSettings(config, env)).toThrow(new Error(`Invalid configuration: ${problem}`));
  });
});
