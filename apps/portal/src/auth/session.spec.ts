import type { Request, Response } from 'express';
import { CookieSeal, safeReturnTo, SessionCookies, type PortalSession } from './session.js';

const session: PortalSession = {
  sid: 'sid-1',
  sub: 'contoso-billing',
  name: 'Bianca',
  roles: ['billing-admin'],
  partnerId: '1111111',
  accessToken: 'access',
  idToken: 'id',
  expiresAt: Date.now() + 60_000,
};

/** The cookie a response sets, read back as a browser would send it. */
function roundTrip(cookies: SessionCookies, value: PortalSession) {
  const set: Array<{ name: string; value: string; options: Record<string, unknown> }> = [];
  const response = { cookie: (name: string, cookie: string, options: Record<string, unknown>) => set.push({ name, value: cookie, options }) } as unknown as Response;
  cookies.write(response, value);
  const request = { cookies: { [set[0].name]: set[0].value } } as unknown as Request;
  return { set: set[0], read: cookies.read(request) };
}

describe('the session cookie', () => {
  it('is sealed: readable with the same secret only, and any change makes it unreadable', () => {
    const seal = new CookieSeal('a-secret-of-at-least-thirty-two-chars', 'session');
    const sealed = seal.seal(session);
    expect(sealed).not.toContain('access');
    expect(seal.open(sealed)).toEqual(session);
    expect(new CookieSeal('another-secret-of-thirty-two-chars!', 'session').open(sealed)).toBeUndefined();
    expect(new CookieSeal('a-secret-of-at-least-thirty-two-chars', 'sign-in').open(sealed)).toBeUndefined();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(seal.open(tampered)).toBeUndefined();
    expect(seal.open('garbage')).toBeUndefined();
  });

  it('is HttpOnly and SameSite=Lax, Secure with the __Host- prefix outside loopback, and expires with the access token', () => {
    const local = roundTrip(new SessionCookies('secret', false), session);
    expect(local.set).toMatchObject({ name: 'cpor-session', options: { httpOnly: true, sameSite: 'lax', secure: false, path: '/', expires: new Date(session.expiresAt) } });
    expect(local.read).toEqual(session);
    const remote = roundTrip(new SessionCookies('secret', true), session);
    expect(remote.set).toMatchObject({ name: '__Host-cpor-session', options: { httpOnly: true, sameSite: 'lax', secure: true } });
    expect(roundTrip(new SessionCookies('secret', false), { ...session, expiresAt: Date.now() - 1 }).read).toBeUndefined();
  });
});

describe('where sign-in returns to', () => {
  it.each([
    ['/claims/7c9e6679-7425-40de-944b-e07fc1f90ae7', '/claims/7c9e6679-7425-40de-944b-e07fc1f90ae7'],
    ['/claims?status=Rejected&customer=Contoso', '/claims?status=Rejected&customer=Contoso'],
    ['//evil.example/claims', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['claims', '/'],
    [undefined, '/'],
    [['/a', '/b'], '/'],
  ])('%j: %s', (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });
});
