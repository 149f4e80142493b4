import { createHash } from 'node:crypto';
import { type ClaimState, ACTIVITY_LABELS, PRODUCT_LABELS } from '@cpor/domain';
import type { LinkRefusal } from './consent-link-state.js';

/**
 * The customer's pages: plain server-rendered HTML, no script, one inline stylesheet allowed by
 * its hash in the CSP. Every value that comes from a claim goes through `escapeHtml`.
 */

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}',
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}',
  'button{background:#a4262c;color:#fff;border:0;padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;cursor:pointer}',
  '.note{color:#555;font-size:.9rem}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Headers for every consent page: the token is in the URL, so no referrer and no caching anywhere. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': [
    "default-src 'none'",
    `style-src 'sha256-${STYLE_HASH}'`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; '),
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Deadlines are shown in UTC with the zone named, so no reader has to guess. */
export function formatDeadline(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'long', timeStyle: 'short' }).format(date)} UTC`;
}

function layout(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
    body,
    '</body></html>',
  ].join('\n');
}

function row(label: string, value: string): string {
  return `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`;
}

/** The claim as the customer should see it, with the decline button (a POST to the same URL). */
export function renderConsentPage(claim: ClaimState, deadline: string): string {
  const products = claim.products.map((p) => PRODUCT_LABELS[p] ?? p).join(', ');
  const workloads = (claim.workloads ?? []).join(', ');
  const partner = `${claim.partnerContact.name} <${claim.partnerContact.email}>`;
  const summary = [
    ...(claim.partnerName ? [row('Partner', claim.partnerName)] : []),
    row('Partner MPN ID', claim.mpnId),
    row('Partner contact', partner),
    row('Customer', `${claim.customer.name} (${claim.customer.domain})`),
    row('Customer tenant ID', claim.customer.tenantId),
    row('Products', products),
    ...(workloads ? [row('Workloads', workloads)] : []),
    row('Activity', ACTIVITY_LABELS[claim.activity] ?? claim.activity),
    row('Subscription or tenant ID', claim.subscriptionOrTenantId),
    row('Decline by', formatDeadline(deadline)),
  ].join('\n');
  return layout(
    'Partner association for your organisation',
    [
      `<p>Microsoft approved a claim by the partner below to be the partner of record (CPOR) for ${escapeHtml(claim.customer.name)}.`,
      'If you do not recognise this partner or do not want this association, you can decline it. Nothing is needed if you agree.</p>',
      `<dl>\n${summary}\n</dl>`,
      // Declining is a POST so that link scanners and previews (which only GET) never decline.
      '<form method="post">',
      '<button type="submit">Decline this association</button>',
      '</form>',
      `<p class="note">If you decline, the association is rejected. You can decline until ${escapeHtml(formatDeadline(deadline))}.</p>`,
    ].join('\n'),
  );
}

export function renderDeclinedPage(claim: ClaimState): string {
  return layout(
    'Association declined',
    `<p>You declined the association of partner MPN ID ${escapeHtml(claim.mpnId)} with ${escapeHtml(claim.customer.name)}. ` +
      'The claim has been rejected and the partner will be told. You can close this page.</p>',
  );
}

const REFUSAL_TEXT: Record<LinkRefusal, { title: string; message: string }> = {
  'invalid-link': {
    title: 'This link is not valid',
    message: 'The link is incomplete or has been changed. Open it again from the email you received, without editing it.',
  },
  expired: {
    title: 'This link has expired',
    message: 'The period to decline this association has ended, so it can no longer be declined through this link.',
  },
  used: {
    title: 'This link has already been used',
    message: 'The association was already declined with this link. Nothing more is needed.',
  },
  'not-found': {
    title: 'No consent request found',
    message: 'We could not find a consent request for this link. It may belong to a claim that no longer exists.',
  },
  'not-awaiting-consent': {
    title: 'This claim is no longer awaiting your decision',
    message:
      'The claim this link belongs to has changed since the email was sent (for example it was withdrawn or approved again), so this link no longer applies.',
  },
};

export function renderRefusalPage(refusal: LinkRefusal): string {
  const { title, message } = REFUSAL_TEXT[refusal];
  return layout(title, `<p>${escapeHtml(message)}</p>`);
}

export function renderErrorPage(): string {
  return layout('Something went wrong', '<p>We could not process your request. Please try again in a few minutes.</p>');
}
