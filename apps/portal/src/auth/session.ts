import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * What the portal remembers of a signed-in person, in one encrypted cookie: who they are, what
 * they may do, and the tokens to call the APIs with (the access token) and to sign out at the
 * provider (the ID token). Nothing of any claim is ever kept.
 */
export interface PortalSession {
  /** Random id of this sign-in: binds the CSRF tokens to it. */
  sid: string;
  sub: string;
  name: string;
  roles: string[];
  partnerId?: string;
  organisation?: string;
  accessToken: string;
  idToken?: string;
  /** When the access token expires (epoch ms): the session ends then. */
  expiresAt: number;
}

/** The sign-in under way, between the redirect to the provider and its answer. */
export interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

const SIGN_IN_MINUTES = 10;

/** A sealed value: AES-256-GCM, base64url(iv | tag | ciphertext). Tampering or another key makes it unreadable. */
export class CookieSeal {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = createHash('sha256').update(`${purpose}\0${secret}`).digest();
  }

  seal(value: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open<T>(text: unknown): T | undefined {
    if (typeof text !== 'string' || text.length < 40) return undefined;
    try {
      const raw = Buffer.from(text, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }
}

/**
 * The session and sign-in cookies: HttpOnly, SameSite=Lax (the provider's redirect back is a
 * top-level GET, which Lax lets through), Secure with the `__Host-` prefix outside loopback.
 */
export class SessionCookies {
  private readonly sessions: CookieSeal;
  private readonly signIns: CookieSeal;
  private readonly sessionName: string;
  private readonly signInName: string;

  constructor(
    secret: string,
    private readonly secure: boolean,
  ) {
    this.sessions = new CookieSeal(secret, 'session');
    this.signIns = new CookieSeal(secret, 'sign-in');
    const prefix = secure ? '__Host-' : '';
    this.sessionName = `${prefix}cpor-session`;
    this.signInName = `${prefix}cpor-sign-in`;
  }

  read(request: Request): PortalSession | undefined {
    const session = this.sessions.open<PortalSession>(request.cookies?.[this.sessionName]);
    return session && session.expiresAt > Date.now() ? session : undefined;
  }

  write(response: Response, session: PortalSession): void {
    response.cookie(this.sessionName, this.sessions.seal(session), { ...this.options(), expires: new Date(session.expiresAt) });
  }

  clear(response: Response): void {
    response.clearCookie(this.sessionName, this.options());
  }

  readSignIn(request: Request): PendingSignIn | undefined {
    return this.signIns.open<PendingSignIn>(request.cookies?.[this.signInName]);
  }

  writeSignIn(response: Response, pending: PendingSignIn): void {
    response.cookie(this.signInName, this.signIns.seal(pending), { ...this.options(), maxAge: SIGN_IN_MINUTES * 60_000 });
  }

  clearSignIn(response: Response): void {
    response.clearCookie(this.signInName, this.options());
  }

  private options() {
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.secure, path: '/' };
  }
}

/** Where to go after signing in: a path of the portal, never another site (no open redirect). */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 2000 ? value : '/';
}
