import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The three parts of one email template, as files `<name>.subject.txt`, `<name>.txt`, `<name>.html`. */
export interface EmailTemplate {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export class MissingTemplateVariableError extends Error {
  constructor(
    readonly template: string,
    readonly variable: string,
  ) {
    super(`template ${template} uses {{${variable}}} but the plan gives no such variable`);
  }
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface RenderOptions {
  /** Escape values for HTML (and keep their line breaks as <br>). */
  html?: boolean;
  /** Throw on a missing variable instead of rendering it empty. */
  strict?: boolean;
  /** Called for a missing variable in non-strict mode. */
  onMissing?: (variable: string) => void;
  /** Names the template in errors. */
  name?: string;
}

/** `{{variable}}` substitution, nothing more: templates hold no logic, the plan computes every value. */
export function renderString(source: string, variables: Record<string, string>, options: RenderOptions = {}): string {
  return source.replace(PLACEHOLDER, (_match, name: string) => {
    if (!Object.hasOwn(variables, name)) {
      if (options.strict) throw new MissingTemplateVariableError(options.name ?? 'inline', name);
      options.onMissing?.(name);
      return '';
    }
    const value = variables[name];
    return options.html ? escapeHtml(value).replace(/\r?\n/g, '<br>\n') : value;
  });
}

/** The variable names a template source uses. */
export function placeholdersOf(source: string): string[] {
  return [...new Set([...source.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** Loads templates from a directory (cached) and renders them. */
export class TemplateRenderer {
  private readonly logger = new Logger(TemplateRenderer.name);
  private readonly cache = new Map<string, EmailTemplate>();

  constructor(
    private readonly dir: string,
    private readonly options: { strict: boolean } = { strict: true },
  ) {}

  load(name: string): EmailTemplate {
    const cached = this.cache.get(name);
    if (cached) return cached;
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`invalid template name '${name}'`);
    const read = (suffix: string) => readFileSync(path.join(this.dir, `${name}${suffix}`), 'utf8');
    const template = { subject: read('.subject.txt').trim(), text: read('.txt'), html: read('.html') };
    this.cache.set(name, template);
    return template;
  }

  render(name: string, variables: Record<string, string>): RenderedEmail {
    const template = this.load(name);
    const options: RenderOptions = {
      name,
      strict: this.options.strict,
      onMissing: (variable) => this.logger.warn(`template ${name} has no value for {{${variable}}}; rendered empty`),
    };
    return {
      // A subject is one line whatever the values hold.
      subject: renderString(template.subject, variables, options).replace(/\s*\r?\n\s*/g, ' '),
      text: renderString(template.text, variables, options),
      html: renderString(template.html, variables, { ...options, html: true }),
    };
  }
}
