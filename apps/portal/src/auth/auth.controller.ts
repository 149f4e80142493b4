import { Controller, Get, Inject, Logger, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PORTAL_SETTINGS } from '../portal.tokens.js';
import type { PortalSettings } from '../portal.settings.js';
import { isPartnerUser, isReviewer, Public, Refused, sessionOf, type PortalRequest } from '../web/access.js';
import { Pages } from '../web/pages.js';
import { OidcClient } from './oidc-client.js';
import { safeReturnTo, SessionCookies } from './session.js';

/** Sign-in (OpenID Connect, authorization code with PKCE), sign-out, and the start page. */
@Controller()
export class AuthController {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(PORTAL_SETTINGS) private readonly settings: PortalSettings,
    private readonly oidc: OidcClient,
    private readonly cookies: SessionCookies,
    private readonly pages: Pages,
  ) {}

  /** Where a signed-in person starts: their part of the portal. */
  @Get()
  home(@Req() request: PortalRequest, @Res() response: Response): void {
    const session = sessionOf(request);
    if (isPartnerUser(session)) return response.redirect(303, '/claims');
    if (isReviewer(session)) return response.redirect(303, '/reviews');
    throw new Refused(
      'Your account has no role for this portal. Partner users need the role Billing admin, Global admin or Incentives admin in a partner organisation; reviewers need the PoE reviewer role. Ask your administrator.',
    );
  }

  @Public()
  @Get('auth/sign-in')
  async signIn(@Req() request: PortalRequest, @Query('returnTo') returnTo: unknown, @Res() response: Response): Promise<void> {
    let started;
    try {
      started = await this.oidc.startSignIn(safeReturnTo(returnTo));
    } catch (error) {
      this.logger.warn(`the identity provider cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
      return this.pages.render(request, response, './error', { title: 'Sign-in is unavailable', message: 'The identity provider cannot be reached. Try again in a moment.', errors: [], signInAgain: true }, 503);
    }
    this.cookies.writeSignIn(response, started.pending);
    response.redirect(303, started.url);
  }

  @Public()
  @Get('auth/callback')
  async callback(@Req() request: PortalRequest, @Res() response: Response): Promise<void> {
    const pending = this.cookies.readSignIn(request);
    this.cookies.clearSignIn(response);
    if (!pending) return response.redirect(303, '/auth/sign-in');
    const callbackUrl = new URL(request.originalUrl, this.settings.oidc.redirectUrl);
    let session;
    try {
      session = await this.oidc.finishSignIn(callbackUrl, pending);
    } catch (error) {
      // The provider's error (access_denied, ...) or a failed check; never the code or tokens.
      this.logger.warn(`sign-in failed: ${(error as { code?: string }).code ?? (error instanceof Error ? error.name : 'error')}`);
      return this.pages.render(request, response, './error', { title: 'Sign-in failed', message: 'The identity provider did not confirm your sign-in. Try again.', errors: [], signInAgain: true }, 401);
    }
    this.cookies.write(response, session);
    this.logger.log(`signed in: ${session.sub}`);
    response.redirect(303, pending.returnTo);
  }

  /** Ends the portal's session, then the provider's (RP-initiated logout) when it offers one. */
  @Post('auth/sign-out')
  async signOut(@Req() request: PortalRequest, @Res() response: Response): Promise<void> {
    const session = sessionOf(request);
    this.cookies.clear(response);
    const providerSignOut = await this.oidc.signOutUrl(session.idToken, this.settings.oidc.postLogoutRedirectUrl).catch(() => undefined);
    response.redirect(303, providerSignOut ?? '/signed-out');
  }

  @Public()
  @Get('signed-out')
  signedOut(@Req() request: PortalRequest, @Res() response: Response): void {
    this.pages.render(request, response, './signed-out', {});
  }
}
