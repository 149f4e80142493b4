import type { Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';

/** The form field every portal form carries its CSRF token in. */
export const CSRF_FIELD = '_csrf';

/**
 * The one module that imports csrf-csrf: CSRF protection by signed double submit. A form carries
 * a token that must equal the one in an HttpOnly cookie, and both are an HMAC (keyed with the
 * session secret) bound to the signed-in session's id: a token from another session, or a form
 * posted from another site (which cannot read the cookie), is refused.
 */
export class Csrf {
  private readonly protection: ReturnType<typeof doubleCsrf>;

  constructor(secret: string, secure: boolean, sessionIdOf: (request: Request) => string | undefined) {
    this.protection = doubleCsrf({
      getSecret: () => secret,
      getSessionIdentifier: (request) => sessionIdOf(request) ?? '',
      cookieName: secure ? '__Host-cpor-csrf' : 'cpor-csrf',
      cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: '/' },
      getCsrfTokenFromRequest: (request) => (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] as string | undefined,
    });
  }

  /** The token for the forms of a page (sets its cookie the first time). */
  token(request: Request, response: Response): string {
    return this.protection.generateCsrfToken(request, response);
  }

  /** Whether a posted form carries this session's token. */
  valid(request: Request): boolean {
    return this.protection.validateRequest(request);
  }
}
