import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import type { PortalSettings } from '../portal.settings.js';
import type { PendingSignIn, PortalSession } from './session.js';

/**
 * The one module that imports openid-client: OpenID Connect sign-in with the authorization code
 * flow and PKCE (S256), state and nonce, and RP-initiated logout where the provider offers it.
 * The provider's discovery document is fetched on first use and kept (a provider down at start
 * does not stop the portal; the next sign-in tries again).
 */
export class OidcClient {
  private configuration?: Promise<oidc.Configuration>;

  constructor(private readonly settings: PortalSettings['oidc']) {}

  /** The provider's discovery document and keys, fetched once (again after a failure). */
  async discovered(): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(new URL(this.settings.issuerUrl), this.settings.clientId, undefined, oidc.ClientSecretPost(this.settings.clientSecret), {
        // http: only for a provider on a loopback address (portal.settings.ts refuses it elsewhere).
        ...(this.settings.issuerUrl.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    return this.configuration;
  }

  /** Where to send the browser to sign in, and what to keep until it comes back. */
  async startSignIn(returnTo: string): Promise<{ url: string; pending: PendingSignIn }> {
    const configuration = await this.discovered();
    const pending: PendingSignIn = { codeVerifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce(), returnTo };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(this.settings.resource ? { resource: this.settings.resource } : {}),
    });
    return { url: url.href, pending };
  }

  /**
   * Checks the provider's answer (state, PKCE, the ID token's signature, issuer, audience and
   * nonce) and redeems the code: the session of the person who signed in.
   */
  async finishSignIn(callbackUrl: URL, pending: PendingSignIn): Promise<PortalSession> {
    const configuration = await this.discovered();
    const tokens = await oidc.authorizationCodeGrant(
      configuration,
      callbackUrl,
      { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true },
      this.settings.resource ? { resource: this.settings.resource } : undefined,
    );
    const claims = tokens.claims()!;
    const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [];
    return {
      sid: randomUUID(),
      sub: claims.sub,
      name: text(claims.name) ?? text(claims.email) ?? claims.sub,
      roles,
      partnerId: text(claims.partnerId),
      organisation: text(claims.organisation),
      accessToken: tokens.access_token,
      idToken: tokens.id_token,
      expiresAt: Date.now() + (tokens.expiresIn() ?? 3600) * 1000,
    };
  }

  /** The provider's sign-out page (RP-initiated logout), or undefined when it has none. */
  async signOutUrl(idToken: string | undefined, postLogoutRedirectUrl: string): Promise<string | undefined> {
    const configuration = await this.discovered();
    if (!configuration.serverMetadata().end_session_endpoint) return undefined;
    return oidc.buildEndSessionUrl(configuration, {
      post_logout_redirect_uri: postLogoutRedirectUrl,
      client_id: this.settings.clientId,
      ...(idToken ? { id_token_hint: idToken } : {}),
    }).href;
  }
}
