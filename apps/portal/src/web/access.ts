import { applyDecorators, Injectable, SetMetadata, UseInterceptors, type CallHandler, type CanActivate, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FilesInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { PARTNER_ROLES, REVIEWER_ROLE } from '@cpor/domain';
import { SessionCookies, type PortalSession } from '../auth/session.js';
import { Csrf } from './csrf.js';

/** A request of the portal, with the session of the person who sent it once PortalGuard let it through. */
export type PortalRequest = Request & { portalSession?: PortalSession };

type Audience = 'partner' | 'reviewer';
const PUBLIC = 'portal:public';
const AUDIENCE = 'portal:audience';
const CSRF_AFTER_UPLOAD = 'portal:csrf-after-upload';

/** No sign-in needed (sign-in itself, health, the signed-out page). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Partner users of an organisation: a partner role and a partnerId (R1). */
export const ForPartners = () => SetMetadata(AUDIENCE, 'partner');
/** PoE reviewers. */
export const ForReviewers = () => SetMetadata(AUDIENCE, 'reviewer');

export const isPartnerUser = (session: PortalSession) => Boolean(session.partnerId) && session.roles.some((role) => (PARTNER_ROLES as readonly string[]).includes(role));
export const isReviewer = (session: PortalSession) => session.roles.includes(REVIEWER_ROLE);

/** Not signed in (or the session ended): sign in, then come back to `returnTo`. */
export class SignInRequired extends Error {
  constructor(readonly returnTo: string) {
    super('sign-in required');
  }
}

/** Signed in, but not allowed here: the page says why. */
export class Refused extends Error {}

/** The signed-in person's session (routes behind PortalGuard always have one). */
export function sessionOf(request: PortalRequest): PortalSession {
  if (!request.portalSession) throw new SignInRequired(request.originalUrl);
  return request.portalSession;
}

/**
 * Every route needs a session unless @Public(); a route for partners or reviewers needs their
 * role; every form (any method but GET and HEAD) needs this session's CSRF token. Upload forms
 * (@UploadForm) are multipart: their token is checked once the body is parsed, by UploadForm's
 * interceptor, and never before the session is (so nobody signed out can make the portal parse
 * an upload).
 */
@Injectable()
export class PortalGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly cookies: SessionCookies,
    private readonly csrf: Csrf,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<PortalRequest>();
    const session = this.cookies.read(request);
    if (!session) throw new SignInRequired(request.method === 'GET' ? request.originalUrl : '/');
    request.portalSession = session;
    if (!['GET', 'HEAD'].includes(request.method) && !this.reflector.getAllAndOverride<boolean>(CSRF_AFTER_UPLOAD, targets)) assertCsrf(this.csrf, request);
    const audience = this.reflector.getAllAndOverride<Audience | undefined>(AUDIENCE, targets);
    if (audience === 'partner' && !isPartnerUser(session)) {
      throw new Refused('This part of the portal is for partner users with the role Billing admin, Global admin or Incentives admin in a partner organisation; your account has none.');
    }
    if (audience === 'reviewer' && !isReviewer(session)) throw new Refused('This part of the portal is for PoE reviewers; your account does not have the reviewer role.');
    return true;
  }
}

export class CsrfRefused extends Error {}

function assertCsrf(csrf: Csrf, request: Request): void {
  if (!csrf.valid(request)) throw new CsrfRefused('This form has expired or did not come from the portal. Reload the page and try again.');
}

/** Intake's limits on an upload (POE_MAX_BYTES, ten files): larger ones are refused here already. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const Files = FilesInterceptor('files', 10, { limits: { fileSize: MAX_FILE_BYTES, files: 10, fields: 20 } });

/** Parses a multipart form (files in `files`, in memory), then checks its CSRF token. */
@Injectable()
class UploadFormInterceptor implements NestInterceptor {
  private readonly files = new Files();

  constructor(private readonly csrf: Csrf) {}

  intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<Request>();
    return this.files.intercept(context, {
      handle: () => {
        assertCsrf(this.csrf, request);
        return next.handle();
      },
    }) as Promise<Observable<unknown>>;
  }
}

/** A multipart form with files (PoE upload, dispute): parsed, then its CSRF token checked. */
export const UploadForm = () => applyDecorators(SetMetadata(CSRF_AFTER_UPLOAD, true), UseInterceptors(UploadFormInterceptor));
