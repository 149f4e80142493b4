import { ConsentLinkSigner } from './consent-link.js';

describe('ConsentLinkSigner', () => {
  const signer = new ConsentLinkSigner('test-secret');
  const claims = { claimId: 'c-1', epoch: 4, expiresAt: '2026-12-01T10:00:00.000Z' };

  it('R7: the decline link verifies until the end of the consent window', () => {
    const token = signer.token(claims);
    expect(signer.verify(token, new Date('2026-11-30T10:00:00Z'))).toEqual({ ok: true, claims });
    expect(signer.verify(token, new Date('2026-12-01T10:00:00Z'))).toEqual({ ok: false, reason: 'expired' });
  });

  it('is deterministic, so consent and notifications derive the same link', () => {
    expect(new ConsentLinkSigner('test-secret').token(claims)).toBe(signer.token(claims));
  });

  it('refuses a tampered link or one signed with another secret', () => {
    const token = signer.token(claims);
    const [body, signature] = token.split('.');
    const otherBody = Buffer.from(JSON.stringify(['c-2', 4, claims.expiresAt])).toString('base64url');
    expect(signer.verify(`${otherBody}.${signature}`, new Date('2026-11-30T00:00:00Z'))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(new ConsentLinkSigner('other').verify(token, new Date('2026-11-30T00:00:00Z'))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(`${body}`, new Date())).toEqual({ ok: false, reason: 'malformed' });
  });
});
