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
});
