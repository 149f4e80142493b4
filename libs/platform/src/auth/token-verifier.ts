import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Principal } from './principal.js';

export interface TokenVerifierOptions {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export class InvalidTokenError extends Error {}

const JWKS_ALGORITHMS = ['RS256', 'ES256', 'PS256'];
/** A token without an expiry would be valid forever (jose checks `exp` only when it is there). */
const REQUIRED_CLAIMS = ['exp'];

/**
 * Verifies bearer JWTs: HS256 with a shared secret, RS256/ES256/PS256 with the keys of a JWKS URL,
 * or both when both are configured (an identity provider's tokens beside `npm run token`'s and the
 * tests'). The token's `alg` picks the key; any other `alg` is refused.
 *
 * The issuer and audience checks describe the identity provider: with a JWKS URL they apply to its
 * tokens, and an HS256 token is judged by the secret alone (whoever holds the secret could write
 * any `iss` anyway). Without a JWKS URL they apply to the HS256 tokens, as before.
 */
export class TokenVerifier {
  private readonly secret?: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.jwtSecret) this.secret = new TextEncoder().encode(options.jwtSecret);
    if (options.jwksUrl) this.jwks = createRemoteJWKSet(new URL(options.jwksUrl));
    if (!this.secret && !this.jwks) throw new Error('No JWT secret or JWKS URL configured');
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      payload = await this.verified(token);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new InvalidTokenError(code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidTokenError('token has no subject');
    const partnerId = typeof payload.partnerId === 'string' ? payload.partnerId : undefined;
    const partnerName = typeof payload.partnerName === 'string' && payload.partnerName.trim() ? payload.partnerName.trim() : undefined;
    return { sub: payload.sub, partnerId, roles, ...(partnerName ? { partnerName } : {}) };
  }

  private async verified(token: string): Promise<JWTPayload> {
    const { issuer, audience } = this.options;
    if (this.secret && decodeProtectedHeader(token).alg === 'HS256') {
      const checks = this.jwks ? {} : { issuer, audience };
      return (await jwtVerify(token, this.secret, { algorithms: ['HS256'], requiredClaims: REQUIRED_CLAIMS, ...checks })).payload;
    }
    if (!this.jwks) throw new InvalidTokenError('invalid token');
    return (await jwtVerify(token, this.jwks as JWTVerifyGetKey, { algorithms: JWKS_ALGORITHMS, requiredClaims: REQUIRED_CLAIMS, issuer, audience })).payload;
  }
}

/** Mints HS256 tokens for development and tests (`npm run token`). */
export async function mintToken(
  secret: string,
  claims: { sub: string; roles: string[]; partnerId?: string; partnerName?: string },
  expiresIn: string | number = '8h',
): Promise<string> {
  return new SignJWT({ roles: claims.roles, ...(claims.partnerId ? { partnerId: claims.partnerId } : {}), ...(claims.partnerName ? { partnerName: claims.partnerName } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
