import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Principal } from './principal.js';

export interface TokenVerifierOptions {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export class InvalidTokenError extends Error {}

/** Verifies bearer JWTs: HS256 with a shared secret, or a JWKS URL in production. */
export class TokenVerifier {
  private readonly key: Uint8Array | ReturnType<typeof createRemoteJWKSet>;
  private readonly algorithms: string[];

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(options.jwksUrl));
      this.algorithms = ['RS256', 'ES256', 'PS256'];
    } else if (options.jwtSecret) {
      this.key = new TextEncoder().encode(options.jwtSecret);
      this.algorithms = ['HS256'];
    } else {
      throw new Error('No JWT secret or JWKS URL configured');
    }
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
      });
      payload = verified.payload;
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new InvalidTokenError(code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidTokenError('token has no subject');
    const partnerId = typeof payload.partnerId === 'string' ? payload.partnerId : undefined;
    return { sub: payload.sub, partnerId, roles };
  }
}

/** Mints HS256 tokens for development and tests (`npm run token`). */
export async function mintToken(
  secret: string,
  claims: { sub: string; roles: string[]; partnerId?: string },
  expiresIn: string | number = '8h',
): Promise<string> {
  return new SignJWT({ roles: claims.roles, ...(claims.partnerId ? { partnerId: claims.partnerId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
