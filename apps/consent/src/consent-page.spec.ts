import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { ClaimState } from '@cpor/domain';
import { escapeHtml, formatDeadline, PAGE_HEADERS, renderConsentPage, renderDeclinedPage, renderRefusalPage } from './consent-page.js';

const hostile = '<script>alert("x")</script>&\'';

function claim(overrides: Partial<ClaimState> = {}): ClaimState {
  return {
    id: 'claim-1',
    policyId: 'cpor-2020-06',
    partnerId: 'partner-1',
    mpnId: '1234567',
    customer: { tenantId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', name: 'Contoso', domain: 'contoso.com' },
    customerContact: { name: 'Ada', email: 'ada@contoso.com' },
    partnerContact: { name: 'Bob', email: 'bob@fabrikam.com' },
    products: ['microsoft-365', 'business-applications'],
    workloads: ['Teams'],
    activity: 'deployment',
    subscriptionOrTenantId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    incentivesOptOut: false,
    status: 'Approved',
    statusEpoch: 4,
    statusChangedAt: '2026-11-24T10:00:00.000Z',
    poe: [],
    disputes: [],
    consent: { requestedAt: '2026-11-24T10:00:00.000Z', deadline: '2026-12-01T10:00:00.000Z' },
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: '2026-11-24T10:00:00.000Z',
    ...overrides,
  };
}

describe('consent page (R7)', () => {
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(hostile)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    expect(escapeHtml(undefined)).toBe('');
  });

  it('shows the claim summary: partner MPN, customer, products, activity and deadline', () => {
    const html = renderConsentPage(claim(), '2026-12-01T10:00:00.000Z');
    expect(html).toContain('1234567');
    expect(html).toContain('Contoso (contoso.com)');
    expect(html).toContain('Microsoft 365, Business Applications');
    expect(html).toContain('Deployment');
    expect(html).toContain('1 December 2026');
    expect(html).toContain('UTC');
  });

  it("names the partner organisation when the claim has its name, and leaves the row out when not", () => {
    expect(renderConsentPage(claim({ partnerName: 'Contoso <Consulting>' }), '2026-12-01T10:00:00.000Z')).toContain('<dt>Partner</dt><dd>Contoso &lt;Consulting&gt;</dd>');
    expect(renderConsentPage(claim(), '2026-12-01T10:00:00.000Z')).not.toContain('<dt>Partner</dt>');
  });

  it('declines only through a POST form to the same URL, with no script', () => {
    const html = renderConsentPage(claim(), '2026-12-01T10:00:00.000Z');
    expect(html).toMatch(/<form method="post">\s*<button type="submit">/);
    expect(html).not.toMatch(/action=/);
    expect(html).not.toMatch(/<script/i);
  });

  it('escapes values taken from the claim', () => {
    const evil = claim({
      mpnId: hostile,
      customer: { tenantId: hostile, name: hostile, domain: hostile },
      partnerContact: { name: hostile, email: hostile },
      workloads: [hostile],
      subscriptionOrTenantId: hostile,
    });
    for (const html of [renderConsentPage(evil, hostile), renderDeclinedPage(evil)]) {
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('"x"');
      expect(html).toContain('&lt;script&gt;');
    }
  });

  it('answers refusals with a page that names the problem', () => {
    expect(renderRefusalPage('used')).toContain('already been used');
    expect(renderRefusalPage('expired')).toContain('expired');
    expect(renderRefusalPage('invalid-link')).toContain('not valid');
    expect(renderRefusalPage('not-awaiting-consent')).toContain('no longer awaiting');
  });

  it('sends no referrer, no caching and a CSP that allows only its own inline stylesheet', () => {
    expect(PAGE_HEADERS['Referrer-Policy']).toBe('no-referrer');
    expect(PAGE_HEADERS['Cache-Control']).toBe('no-store');
    const csp = PAGE_HEADERS['Content-Security-Policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    const style = /<style>(.*)<\/style>/s.exec(renderDeclinedPage(claim()))![1];
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });

  it('formats a deadline in UTC and leaves a bad value as it is', () => {
    expect(formatDeadline('2026-12-01T10:00:00.000Z')).toBe('1 December 2026 at 10:00 UTC');
    expect(formatDeadline('soon')).toBe('soon');
  });
});
