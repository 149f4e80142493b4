import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import { mintToken, TokenVerifier } from '@cpor/platform';

// The production option: tokens signed by an identity provider, keys fetched from its JWKS URL.
describe('bearer tokens verified against a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: SigningKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const sign = (claims: Record<string, unknown>, issuer = 'https://idp.example') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setSubject('alice').setIssuer(issuer).setIssuedAt().setExpirationTime('5m').sign(privateKey);

  it('accepts a token signed by the provider and reads partnerId and roles', async () => {
    const verifier = new TokenVerifier({ jwksUrl, issuer: 'https://idp.example' });
    const principal = await verifier.verify(await sign({ partnerId: '1234567', roles: ['global-admin'] }));
    expect(principal).toEqual({ sub: 'alice', partnerId: '1234567', roles: ['global-admin'] });
  });

  it('refuses a token from another issuer, and an HS256 token made with a guessed secret', async () => {
    const verifier = new TokenVerifier({ jwksUrl, issuer: 'https://idp.example' });
    await expect(verifier.verify(await sign({ roles: ['poe-reviewer'] }, 'https://evil.example'))).rejects.toThrow('invalid token');
    await expect(verifier.verify(await mintToken('guess', { sub: 'mallory', roles: ['poe-reviewer'] }))).rejects.toThrow('invalid token');
  });

  describe('with a JWT secret too (npm start: the development provider beside npm run token)', () => {
    const verifier = () => new TokenVerifier({ jwksUrl, jwtSecret: 'the-shared-secret', issuer: 'https://idp.example' });

    it("accepts the provider's tokens through the JWKS and HS256 tokens through the secret", async () => {
      await expect(verifier().verify(await sign({ partnerId: '1234567', roles: ['billing-admin'] }))).resolves.toEqual({ sub: 'alice', partnerId: '1234567', roles: ['billing-admin'] });
      await expect(verifier().verify(await mintToken('the-shared-secret', { sub: 'rita', roles: ['poe-reviewer'] }))).resolves.toEqual({ sub: 'rita', partnerId: undefined, roles: ['poe-reviewer'] });
    });

    it("still refuses another issuer's token, a guessed secret, and an HS256 token signed with the provider's public key", async () => {
      await expect(verifier().verify(await sign({ roles: ['poe-reviewer'] }, 'https://evil.example'))).rejects.toThrow('invalid token');
      await expect(verifier().verify(await mintToken('guess', { sub: 'mallory', roles: ['poe-reviewer'] }))).rejects.toThrow('invalid token');
      // Algorithm confusion: the JWKS's public key used as an HMAC secret.
      const publicJwk = JSON.stringify(((await (await fetch(jwksUrl)).json()) as { keys: unknown[] }).keys[0]);
      await expect(verifier().verify(await mintToken(publicJwk, { sub: 'mallory', roles: ['poe-reviewer'] }))).rejects.toThrow('invalid token');
    });

    it('refuses an RS256 token when only the secret is configured', async () => {
      await expect(new TokenVerifier({ jwtSecret: 'the-shared-secret' }).verify(await sign({ roles: ['poe-reviewer'] }))).rejects.toThrow('invalid token');
    });
  });
});
