import { BusinessCalendar } from '@cpor/domain';
import { formatting } from './format.js';
import { Pages, PORTAL_VIEWS } from './pages.js';
import { createViews } from './views.js';

describe("the portal's templates", () => {
  const views = createViews(PORTAL_VIEWS);

  it('escape every value, so nothing from a claim or an API becomes markup', () => {
    const hostile = '<script>alert("x")</script>';
    const html = views.render('./error', { title: hostile, message: `${hostile} & more`, errors: [`"><img src=x onerror=alert(1)>`], f: formatting('UTC') });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('have no inline script or style (the CSP allows neither)', () => {
    const html = views.render('./signed-out', { f: formatting('UTC') });
    expect(html).toContain('<script src="/assets/portal.js" defer></script>');
    expect(html).not.toMatch(/<script>|<style|style="|\son[a-z]+=/i);
  });

  it('answer a page of an outage (503) with Retry-After, as the APIs do, and never let one be cached', () => {
    const pages = new Pages({ calendar: { timeZone: 'UTC' } } as never, { token: () => 'csrf' } as never, new BusinessCalendar({ timeZone: 'UTC' }));
    const headers = new Map<string, string>();
    const response = {
      status: () => response,
      type: () => response,
      setHeader: (name: string, value: string) => headers.set(name, value) && response,
      send: () => undefined,
    };
    pages.render({} as never, response as never, './error', { title: 'Service unavailable', message: 'Try again in a moment.', errors: [] }, 503);
    expect(Object.fromEntries(headers)).toEqual({ 'Cache-Control': 'no-store', 'Retry-After': '5' });
    headers.clear();
    pages.render({} as never, response as never, './error', { title: 'Not found', message: 'No such claim.', errors: [] }, 404);
    expect(headers.has('Retry-After')).toBe(false);
  });
});
