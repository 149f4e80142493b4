import type { RequestHandler } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';

/**
 * The one module that imports helmet and cookie-parser. The security headers of every answer,
 * with a strict Content-Security-Policy: scripts, styles, images and fonts only from the portal
 * itself, no inline script or style, frames only of the portal's own PoE previews, never framed itself; forms post to the portal, or to the identity
 * provider (the browser follows sign-out's redirect to it, and `form-action` covers redirects).
 */
export function securityHeaders(identityProviderOrigin: string, secure: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        // The review page previews PoE PDFs in a frame of the portal's own (images need img-src only).
        frameSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'", identityProviderOrigin],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only where the portal is served over https.
    strictTransportSecurity: secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** `request.cookies`, parsed (the session, sign-in and CSRF cookies). */
export function parseCookies(): RequestHandler {
  return cookieParser();
}
