import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { BusinessCalendar } from '@cpor/domain';
import { PORTAL_SETTINGS } from '../portal.tokens.js';
import type { PortalSettings } from '../portal.settings.js';
import { isPartnerUser, isReviewer, type PortalRequest } from './access.js';
import { Csrf, CSRF_FIELD } from './csrf.js';
import { nextDeadline } from './deadlines.js';
import { formatting, type Formatting } from './format.js';
import { createViews } from './views.js';

/** Read from the working directory, like the email templates (the repository root, or /app in the image). */
export const PORTAL_VIEWS = path.resolve(process.cwd(), 'apps/portal/views');
export const PORTAL_ASSETS = path.resolve(process.cwd(), 'apps/portal/public');

/**
 * Renders a page: the template's data plus what every page needs (who is signed in, the
 * navigation, the CSRF token of its forms, a fresh Idempotency-Key per form, the formatting).
 * Pages are never cached: they show one person's claims.
 */
@Injectable()
export class Pages {
  private readonly views = createViews(PORTAL_VIEWS);
  private readonly format: Formatting;

  constructor(
    @Inject(PORTAL_SETTINGS) settings: PortalSettings,
    private readonly csrf: Csrf,
    private readonly calendar: BusinessCalendar,
  ) {
    this.format = formatting(settings.calendar.timeZone);
  }

  render(request: PortalRequest, response: Response, template: string, data: Record<string, unknown>, status = 200): void {
    const session = request.portalSession;
    const html = this.views.render(template, {
      ...data,
      session,
      nav: session ? { partner: isPartnerUser(session), reviewer: isReviewer(session) } : undefined,
      csrf: session ? { field: CSRF_FIELD, token: this.csrf.token(request, response) } : undefined,
      newKey: () => randomUUID(),
      f: this.format,
      deadlineOf: (claim: Parameters<typeof nextDeadline>[0]) => nextDeadline(claim, this.calendar),
    });
    response.status(status).type('html').setHeader('Cache-Control', 'no-store');
    // As the APIs answer an outage (a service or the identity provider away): ask again shortly.
    if (status === 503) response.setHeader('Retry-After', '5');
    response.send(html);
  }
}
