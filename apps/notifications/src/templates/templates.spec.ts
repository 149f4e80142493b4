import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { planNotifications, TEMPLATE_NAMES } from '../notification-plan.js';
import { SAMPLE_CONTEXT, sampleCases } from '../testing/sample-events.js';
import { placeholdersOf, TemplateRenderer } from './template-renderer.js';

const dir = path.resolve(process.cwd(), 'apps/notifications/templates');
const PARTS = ['.subject.txt', '.txt', '.html'];

describe('email templates', () => {
  const planned = sampleCases().flatMap((c) => planNotifications(c.event, SAMPLE_CONTEXT));

  it('exist in all three parts for every template the plan can use', () => {
    for (const name of TEMPLATE_NAMES) {
      for (const part of PARTS) expect([name, part, existsSync(path.join(dir, `${name}${part}`))]).toEqual([name, part, true]);
    }
  });

  it('are all used: no stray template files', () => {
    const names = new Set(readdirSync(dir).map((f) => f.replace(/(\.subject\.txt|\.txt|\.html)$/, '')));
    expect([...names].sort()).toEqual([...TEMPLATE_NAMES].sort());
  });

  it('the sample events plan every template', () => {
    expect(new Set(planned.map((m) => m.template))).toEqual(new Set(TEMPLATE_NAMES));
  });

  it('render strictly with the variables the plan gives (no missing variable)', () => {
    const renderer = new TemplateRenderer(dir, { strict: true });
    for (const message of planned) {
      const rendered = renderer.render(message.template, message.variables);
      expect(rendered.subject).not.toMatch(/\{\{|\n/);
      expect(rendered.text).not.toContain('{{');
      expect(rendered.html).not.toContain('{{');
      expect(rendered.text).toContain(message.variables.claimId);
    }
  });

  it('each part of a template uses the same variables, except the subject which may use fewer', () => {
    for (const name of TEMPLATE_NAMES) {
      const read = (part: string) => new Set(placeholdersOf(readFileSync(path.join(dir, `${name}${part}`), 'utf8')));
      const text = read('.txt');
      expect([name, [...read('.html')].sort()]).toEqual([name, [...text].sort()]);
      for (const v of read('.subject.txt')) expect([name, v, text.has(v)]).toEqual([name, v, true]);
    }
  });

  it('put the decline link only in the customer consent email, and escape values in HTML', () => {
    const renderer = new TemplateRenderer(dir);
    for (const message of planned) {
      const rendered = renderer.render(message.template, message.variables);
      const hasLink = rendered.text.includes('/v1/consent/TOKEN-');
      expect([message.template, hasLink]).toEqual([message.template, message.template === 'consent-request']);
    }
    const consent = planned.find((m) => m.template === 'consent-request')!;
    const html = renderer.render('consent-request', { ...consent.variables, partnerContactName: '<script>alert(1)</script>' }).html;
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });
});
