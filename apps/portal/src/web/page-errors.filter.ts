import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ApiProblem, ApiUnavailable } from '../api/api-client.js';
import { SessionCookies } from '../auth/session.js';
import { CsrfRefused, Refused, SignInRequired, type PortalRequest } from './access.js';
import { Pages } from './pages.js';

const signInUrl = (returnTo: string) => `/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}`;

/**
 * Every error becomes a page (or the way to sign-in): the APIs' refusals with their own words, a
 * claim of another organisation exactly like a missing one (intake answers both with 404), and
 * anything unexpected as a plain 500 page, logged without the request's data.
 */
@Catch()
export class PageErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Portal');

  constructor(
    private readonly pages: Pages,
    private readonly cookies: SessionCookies,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<PortalRequest>();
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      response.end();
      return;
    }
    if (error instanceof SignInRequired) return response.redirect(303, signInUrl(error.returnTo));
    if (error instanceof ApiProblem && error.status === 401) {
      // The API no longer takes the token (expired, revoked, keys rotated): sign in again.
      this.cookies.clear(response);
      return response.redirect(303, signInUrl(request.method === 'GET' ? request.originalUrl : '/'));
    }
    const page = this.pageOf(error);
    if (page.status >= 500) this.logger.error(`${request.method} ${request.path} failed: ${error instanceof Error ? error.message : String(error)}`);
    this.pages.render(request, response, './error', page, page.status);
  }

  private pageOf(error: unknown): { status: number; title: string; message: string; errors: string[] } {
    if (error instanceof Refused) return { status: 403, title: 'Not allowed', message: error.message, errors: [] };
    if (error instanceof CsrfRefused) return { status: 403, title: 'This form has expired', message: error.message, errors: [] };
    if (error instanceof ApiProblem) {
      if (error.status === 404) return { status: 404, title: 'Not found', message: 'There is no such claim, or it is not one you may see.', errors: [] };
      if (error.status === 403) return { status: 403, title: 'Not allowed', message: error.detail, errors: [] };
      // A 5xx is the service failing (or a proxy before it), not a refusal of what was asked.
      return { status: error.status, title: error.status >= 500 ? 'Service unavailable' : 'The request was refused', message: error.detail, errors: error.errors };
    }
    if (error instanceof ApiUnavailable) return { status: 503, title: 'Service unavailable', message: `${error.message}. Try again in a moment.`, errors: [] };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status === 404) return { status, title: 'Not found', message: 'There is no such page.', errors: [] };
      if (status === 413) return { status, title: 'Too large', message: 'A file is larger than 10 MB, or there are more than ten files.', errors: [] };
      return { status, title: 'The request was refused', message: error.message, errors: [] };
    }
    return { status: 500, title: 'Something went wrong', message: 'The portal could not complete this request. Try again; if it keeps failing, tell the operators the time it happened.', errors: [] };
  }
}
