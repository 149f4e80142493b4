import { z } from 'zod';

/*
 * Configuration from the environment, checked at start-up with zod (the one module that imports it).
 *
 * Each area (the service chassis, the store, Kafka, one service's own settings) declares one schema
 * beside the code that reads it: `configSchema({ NAME: setting.port({...}), ... })`. A setting is a
 * zod schema that carries its docs (description, default, what is allowed), so the same declaration
 * parses the variable, words the error and renders the table of docs/operations.md.
 *
 * An empty variable counts as unset (Compose and env files pass `NAME=`), unless the setting keeps it.
 */

/** The environment, or any map of variable names to values (tests pass their own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** What the docs and the error messages say about one variable. */
export interface SettingDoc {
  /** One line: what the variable sets. */
  description: string;
  /** What values are accepted, worded to follow "expected": `an integer port 0-65535`. */
  allowed: string;
  /** The default as the docs show it: `–` when unset means "none". */
  default: string;
  /** Its value is never printed (errors show `<hidden>`). */
  secret: boolean;
}

/** One variable's schema: parses the variable's text (or its absence) into a value of type T. */
export type Setting<T> = z.ZodType<T>;
export type ConfigShape = Record<string, Setting<unknown>>;
export type ConfigSchema<S extends ConfigShape = ConfigShape> = z.ZodObject<S>;
/** The parsed values of a schema, one property per variable. */
export type ConfigValues<S extends ConfigSchema> = z.output<S>;

/** A problem found across variables once each is valid on its own (a missing production secret). */
export interface ConfigProblem {
  /** The variable the problem is reported on (its value is shown); none for a problem of several. */
  variable?: string;
  message: string;
}

const docs = z.registry<SettingDoc>();
const crossChecks = new WeakMap<ConfigSchema, (values: never, env: Environment) => ConfigProblem[]>();

/** Names of variables whose values are never printed, whatever their setting says. */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PASS$|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL/i;

/**
 * A bad configuration: one line per bad variable, `Invalid configuration: NAME="value": expected ...`.
 * A service prints exactly its message and exits non-zero (see exitOnInvalidSchemas).
 */
export class ConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.map((problem) => `Invalid configuration: ${problem}`).join('\n'));
    this.name = 'ConfigurationError';
  }
}

/**
 * One area's schema. `check` runs once every variable is valid on its own, for rules across
 * variables; each problem it returns is one more line of the error.
 */
export function configSchema<S extends ConfigShape>(
  shape: S,
  check?: (values: z.output<z.ZodObject<S>>, env: Environment) => ConfigProblem[],
): ConfigSchema<S> {
  for (const [name, schema] of Object.entries(shape)) {
    if (!docs.has(schema)) throw new Error(`${name}: declare it with one of setting.*, so it is documented`);
  }
  const schema = z.object(shape);
  if (check) crossChecks.set(schema as ConfigSchema, check as (values: never, env: Environment) => ConfigProblem[]);
  return schema;
}

/**
 * Reads one area's variables from `env` (default: process.env). Throws a ConfigurationError that
 * names every bad variable, its value (never a secret's) and what is allowed.
 */
export function readEnv<S extends ConfigShape>(schema: ConfigSchema<S>, env: Environment = process.env): z.output<ConfigSchema<S>> {
  const input = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, env[name]]));
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = new Map<string, string>();
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '');
      if (!lines.has(name)) lines.set(name, problemLine(schema, { variable: name || undefined, message: `expected ${allowedOf(schema, name) ?? issue.message}` }, env));
    }
    throw new ConfigurationError([...lines.values()]);
  }
  const problems = crossChecks.get(schema as ConfigSchema)?.(result.data as never, env) ?? [];
  if (problems.length) throw new ConfigurationError(problems.map((problem) => problemLine(schema, problem, env)));
  return result.data;
}

/**
 * Runs every reader (typically readEnv of each area a service uses) and throws one
 * ConfigurationError with all their problems, each line once.
 */
export function checkConfiguration(readers: ReadonlyArray<() => unknown>): void {
  const problems = new Set<string>();
  for (const read of readers) {
    try {
      read();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      for (const problem of error.problems) problems.add(problem);
    }
  }
  if (problems.size) throw new ConfigurationError([...problems]);
}

/**
 * What a main.ts runs before anything starts: reads every variable of `schemas` and, on a bad
 * configuration, prints one plain line per bad variable (`Invalid configuration: NAME="value":
 * expected ...`, no stack trace) to stderr and exits with status 1. Other errors are thrown.
 */
export function exitOnInvalidSchemas(schemas: readonly ConfigSchema[], env: Environment = process.env): void {
  try {
    checkConfiguration(schemas.map((schema) => () => readEnv(schema, env)));
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** The value of a variable as an error may show it: quoted, a secret hidden, a URL's password too. */
export function shownValue(name: string, value: string | undefined, secret = false): string {
  if (value === undefined) return '(unset)';
  if (secret || SECRET_NAME.test(name)) return '<hidden>';
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/i, '$1:<hidden>@'));
}

function problemLine(schema: ConfigSchema, problem: ConfigProblem, env: Environment): string {
  if (!problem.variable) return problem.message;
  const value = env[problem.variable];
  const shown = value === undefined || value === '' ? `${problem.variable} is not set` : `${problem.variable}=${shownValue(problem.variable, value, settingDoc(schema, problem.variable)?.secret)}`;
  return `${shown}: ${problem.message}`;
}

function settingDoc(schema: ConfigSchema, name: string): SettingDoc | undefined {
  const setting = Object.hasOwn(schema.shape, name) ? schema.shape[name] : undefined;
  return setting ? docs.get(setting) : undefined;
}

function allowedOf(schema: ConfigSchema, name: string): string | undefined {
  return settingDoc(schema, name)?.allowed;
}

/** One row per variable, for the docs: its name, default, what is allowed and what it sets. */
export interface SettingRow extends SettingDoc {
  variable: string;
}

export function settingRows(schema: ConfigSchema): SettingRow[] {
  return Object.keys(schema.shape).map((variable) => ({ variable, ...settingDoc(schema, variable)! }));
}

/**
 * The Markdown table of the variables of `schemas`, in their order. A variable two areas declare
 * must be the same setting (one declaration, imported), or this throws.
 */
export function renderConfigTable(schemas: readonly ConfigSchema[]): string {
  const seen = new Map<string, Setting<unknown>>();
  const lines = ['| variable | default | allowed | description |', '|---|---|---|---|'];
  // Markdown: `|` escaped everywhere; outside code spans `*`, `<` and `>` too (no emphasis, no HTML tags).
  const cell = (text: string) =>
    text
      .split('`')
      .map((part, i) => (i % 2 ? part : part.replace(/[*]/g, '\\*').replace(/</g, '&lt;').replace(/>/g, '&gt;')))
      .join('`')
      .replace(/\|/g, '\\|');
  for (const schema of schemas) {
    for (const row of settingRows(schema)) {
      const setting = schema.shape[row.variable];
      const earlier = seen.get(row.variable);
      if (earlier === setting) continue;
      if (earlier) throw new Error(`${row.variable} is declared by two configuration areas; import one declaration instead`);
      seen.set(row.variable, setting);
      lines.push(`| \`${row.variable}\` | ${cell(row.default)} | ${cell(row.allowed)} | ${cell(row.description)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---- Settings -------------------------------------------------------------------------------

interface Documented<D> {
  /** One line: what the variable sets. */
  description: string;
  /** The value when the variable is unset (or empty). */
  default?: D;
  /** The default as the docs show it, when the value alone does not say it (a computed default). */
  shownDefault?: string;
}

const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

function formatDefault(value: unknown): string {
  if (value === undefined) return '–';
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : '–';
  if (value === '') return '(empty)';
  return `\`${String(value)}\``;
}

function define<T, D extends T | undefined>(
  parser: z.ZodType<T, string>,
  options: Documented<D> & { allowed: string; secret?: boolean; keepEmpty?: boolean },
): Setting<T | D> {
  const inner = options.default === undefined ? parser.optional() : parser.default(options.default as never);
  const schema = z.preprocess(options.keepEmpty ? (value) => value : unsetIfEmpty, inner) as unknown as Setting<T | D>;
  docs.add(schema, {
    description: options.description,
    allowed: options.allowed,
    default: options.shownDefault ?? formatDefault(options.default),
    secret: options.secret ?? false,
  });
  return schema;
}

function integer(min: number, max: number) {
  return z
    .string()
    .regex(/^[+-]?\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** Builders of settings: each parses the variable's text and documents it. */
export const setting = {
  /** A TCP port, 0-65535 (0: any free port). */
  port<D extends number | undefined = undefined>(options: Documented<D>): Setting<number | D> {
    return define(integer(0, 65535), { ...options, allowed: 'an integer port 0-65535' });
  },

  /** A whole number, at least `min` (and at most `max`). */
  integer<D extends number | undefined = undefined>(options: Documented<D> & { min: number; max?: number }): Setting<number | D> {
    const allowed = options.max === undefined ? `an integer >= ${options.min}` : `an integer ${options.min}-${options.max}`;
    return define(integer(options.min, options.max ?? Number.MAX_SAFE_INTEGER), { ...options, allowed });
  },

  /** A duration in milliseconds: a whole number, at least `min` (default 1). */
  milliseconds<D extends number | undefined = undefined>(options: Documented<D> & { min?: number }): Setting<number | D> {
    const min = options.min ?? 1;
    return define(integer(min, Number.MAX_SAFE_INTEGER), { ...options, allowed: `an integer number of milliseconds >= ${min}` });
  },

  /** One of a fixed set of words. */
  oneOf<const V extends string, D extends V | undefined = undefined>(values: readonly [V, ...V[]], options: Documented<D>): Setting<V | D> {
    return define(z.enum(values as unknown as [V, ...V[]]) as unknown as z.ZodType<V, string>, { ...options, allowed: `one of ${values.join(', ')}` });
  },

  /** On or off: `true` or `false` (`1` and `0` too). */
  flag(options: Documented<boolean>): Setting<boolean> {
    const parser = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
    return define(parser, { ...options, default: options.default ?? false, allowed: 'true or false (or 1 or 0)' });
  },

  /** Text, optionally checked by a pattern or a predicate (then say in `allowed` what passes). */
  text<D extends string | undefined = undefined>(
    options: Documented<D> & { pattern?: RegExp; test?: (value: string) => boolean; allowed?: string; keepEmpty?: boolean },
  ): Setting<string | D> {
    let parser: z.ZodType<string, string> = options.pattern ? z.string().regex(options.pattern) : z.string();
    if (options.test) parser = parser.refine(options.test);
    return define(parser, { ...options, allowed: options.allowed ?? 'any text' });
  },

  /** A secret: any text, never printed; no default here (a development default, if any, is the reader's). */
  secret(options: Omit<Documented<undefined>, 'default'>): Setting<string | undefined> {
    return define(z.string(), { ...options, allowed: 'any text', secret: true });
  },

  /** An absolute URL with one of the given schemes. */
  url<D extends string | undefined = undefined>(options: Documented<D> & { schemes: readonly string[] }): Setting<string | D> {
    const protocol = new RegExp(`^(${options.schemes.map((scheme) => scheme.replace(/[+.]/g, '\\$&')).join('|')})$`);
    const schemes = options.schemes.map((scheme) => `${scheme}:`);
    const allowed = `an absolute ${schemes.length > 1 ? `${schemes.slice(0, -1).join(', ')} or ${schemes.at(-1)}` : schemes[0]} URL`;
    return define(z.url({ protocol }) as z.ZodType<string, string>, { ...options, allowed });
  },

  /** Comma-separated items (blanks around them ignored), each matching `item`. */
  list<D extends string[] | undefined = undefined>(
    options: Documented<D> & { item: RegExp; test?: (item: string) => boolean; items: string; nonEmpty?: boolean },
  ): Setting<string[] | D> {
    const parser = z
      .string()
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
      .pipe(z.array(options.test ? z.string().regex(options.item).refine(options.test) : z.string().regex(options.item)).min(options.nonEmpty ? 1 : 0));
    return define(parser, { ...options, allowed: `comma-separated ${options.items}${options.nonEmpty ? ' (at least one)' : ''}` });
  },
};
