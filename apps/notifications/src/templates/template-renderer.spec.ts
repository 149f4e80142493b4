import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { escapeHtml, MissingTemplateVariableError, placeholdersOf, renderString, TemplateRenderer } from './template-renderer.js';

describe('renderString', () => {
  it('substitutes {{variables}}, with or without inner spaces, as often as they appear', () => {
    expect(renderString('Hi {{name}}, {{ name }}! Claim {{claimId}}.', { name: 'Ada', claimId: 'c-1' })).toBe('Hi Ada, Ada! Claim c-1.');
  });

  it('does not re-interpret braces inside values', () => {
    expect(renderString('{{a}}', { a: '{{b}}', b: 'no' })).toBe('{{b}}');
  });

  it('throws on a missing variable when strict', () => {
    expect(() => renderString('Hi {{name}}', {}, { strict: true, name: 'greeting' })).toThrow(MissingTemplateVariableError);
    expect(() => renderString('Hi {{name}}', {}, { strict: true, name: 'greeting' })).toThrow('template greeting uses {{name}}');
  });

  it('renders a missing variable empty and reports it when not strict', () => {
    const missing: string[] = [];
    expect(renderString('Hi {{name}}.', {}, { onMissing: (v) => missing.push(v) })).toBe('Hi .');
    expect(missing).toEqual(['name']);
  });

  it('does not treat inherited properties as variables', () => {
    expect(() => renderString('{{toString}}', {}, { strict: true })).toThrow(MissingTemplateVariableError);
  });
});

describe('HTML escaping', () => {
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
  });

  it('escapes values in html mode, keeps line breaks as <br>, and leaves the template markup alone', () => {
    const out = renderString('<p title="{{t}}">{{body}}</p>', { t: '"><script>', body: 'a < b\n<b>bold</b>' }, { html: true });
    expect(out).toBe('<p title="&quot;&gt;&lt;script&gt;">a &lt; b<br>\n&lt;b&gt;bold&lt;/b&gt;</p>');
  });

  it('leaves values alone in text mode', () => {
    expect(renderString('{{body}}', { body: '<b>&</b>' })).toBe('<b>&</b>');
  });
});

describe('placeholdersOf', () => {
  it('lists each variable once', () => {
    expect(placeholdersOf('{{a}} {{ b }} {{a}} {not} {{}}')).toEqual(['a', 'b']);
  });
});

describe('TemplateRenderer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpor-templates-'));
  writeFileSync(path.join(dir, 'hello.subject.txt'), 'Hello {{name}}\n');
  writeFileSync(path.join(dir, 'hello.txt'), 'Dear {{name}},\n{{body}}\n');
  writeFileSync(path.join(dir, 'hello.html'), '<p>Dear {{name}},</p><p>{{body}}</p>');

  it('renders the subject, text and HTML parts', () => {
    const renderer = new TemplateRenderer(dir);
    expect(renderer.render('hello', { name: 'A & B', body: 'x\ny' })).toEqual({
      subject: 'Hello A & B',
      text: 'Dear A & B,\nx\ny\n',
      html: '<p>Dear A &amp; B,</p><p>x<br>\ny</p>',
    });
  });

  it('keeps a subject on one line', () => {
    expect(new TemplateRenderer(dir).render('hello', { name: 'A\nB', body: '' }).subject).toBe('Hello A B');
  });

  it('fails on a missing variable in strict mode, renders empty otherwise', () => {
    expect(() => new TemplateRenderer(dir, { strict: true }).render('hello', { name: 'A' })).toThrow(MissingTemplateVariableError);
    expect(new TemplateRenderer(dir, { strict: false }).render('hello', { name: 'A' }).text).toBe('Dear A,\n\n');
  });

  it('refuses names that could leave the directory, and reports a missing file', () => {
    expect(() => new TemplateRenderer(dir).load('../etc/passwd')).toThrow('invalid template name');
    expect(() => new TemplateRenderer(dir).load('nope')).toThrow(/ENOENT/);
  });
});
