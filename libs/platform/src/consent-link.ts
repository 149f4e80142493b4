import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The customer's decline link. Consent (which verifies it) and notifications (which emails it)
 * both derive it from the claim, the approval epoch and the deadline with a shared secret, so
 * the link itself never travels on Kafka and is stored only as a hash.
 */
export interface ConsentLinkClaims {
  claimId: string;
  /** Status epoch of the approval the consent window belongs to. */
  epoch: number;
  /** Expiry (ISO): the end of the consent window. */
  expiresAt: string;
}

export type ConsentLinkCheck =
  | { ok: true; claims: ConsentLinkClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export class ConsentLinkSigner {
  constructor(private readonly secret: string) {
    if (!secret) throw new Error('a consent link secret is required');
  }

  token(claims: ConsentLinkClaims): string {
    const body = Buffer.from(JSON.stringify([claims.claimId, claims.epoch, claims.expiresAt])).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  url(publicBaseUrl: string, claims: ConsentLinkClaims): string {
    return `${publicBaseUrl.replace(/\/$/, '')}/v1/consent/${this.token(claims)}`;
  }

  verify(token: string, now: Date): ConsentLinkCheck {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
    let claims: ConsentLinkClaims;
    try {
      const [claimId, epoch, expiresAt] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [string, number, string];
      if (typeof claimId !== 'string' || typeof epoch !== 'number' || Number.isNaN(Date.parse(expiresAt))) throw new Error('shape');
      claims = { claimId, epoch, expiresAt };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (now.getTime() >= Date.parse(claims.expiresAt)) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  /** What consent stores: never the token itself. */
  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
