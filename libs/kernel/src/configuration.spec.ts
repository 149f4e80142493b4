import { checkConfiguration, configSchema, ConfigurationError, readEnv, renderConfigTable, setting } from './configuration.js';

const schema = configSchema({
  APP_PORT: setting.port({ description: 'port', default: 3001 }),
  APP_TIMEOUT_MS: setting.milliseconds({ description: 'timeout', default: 5_000 }),
  APP_MODE: setting.oneOf(['fast', 'safe'], { description: 'mode' }),
  APP_SECURE: setting.flag({ description: 'secure' }),
  APP_HOSTS: setting.list({ description: 'hosts', default: ['a:1'], item: /^\S+:\d+$/, items: 'host:port pairs', nonEmpty: true }),
  APP_URL: setting.url({ description: 'url', schemes: ['https'] }),
  APP_NAME: setting.text({ description: 'name', default: 'app', pattern: /^[a-z]+$/, allowed: 'lower-case letters' }),
  APP_API_TOKEN: setting.integer({ description: 'a token that happens to be a number', min: 0 }),
  APP_SIGNING_KEY: setting.secret({ description: 'key' }),
});

const messageOf = (read: () => unknown): string => {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  throw new Error('no ConfigurationError');
};

describe('readEnv', () => {
  it('gives the defaults when variables are unset or empty', () => {
    const defaults = { APP_PORT: 3001, APP_TIMEOUT_MS: 5_000, APP_MODE: undefined, APP_SECURE: false, APP_HOSTS: ['a:1'], APP_URL: undefined, APP_NAME: 'app', APP_API_TOKEN: undefined, APP_SIGNING_KEY: undefined };
    expect(readEnv(schema, {})).toEqual(defaults);
    expect(readEnv(schema, { APP_PORT: '', APP_MODE: '', APP_HOSTS: '', APP_NAME: '' })).toEqual(defaults);
  });

  it('parses what is set', () => {
    expect(
      readEnv(schema, { APP_PORT: '0', APP_TIMEOUT_MS: '1', APP_MODE: 'safe', APP_SECURE: 'true', APP_HOSTS: ' b:2, c:3 ,', APP_URL: 'https://x.example/a', APP_SIGNING_KEY: 'k' }),
    ).toMatchObject({ APP_PORT: 0, APP_TIMEOUT_MS: 1, APP_MODE: 'safe', APP_SECURE: true, APP_HOSTS: ['b:2', 'c:3'], APP_URL: 'https://x.example/a', APP_SIGNING_KEY: 'k' });
    expect(readEnv(schema, { APP_SECURE: '1' }).APP_SECURE).toBe(true);
    expect(readEnv(schema, { APP_SECURE: 'false' }).APP_SECURE).toBe(false);
  });

  it.each([
    ['APP_PORT', '30o1', 'APP_PORT="30o1": expected an integer port 0-65535'],
    ['APP_PORT', '65536', 'APP_PORT="65536": expected an integer port 0-65535'],
    ['APP_PORT', '3001 ', 'APP_PORT="3001 ": expected an integer port 0-65535'],
    ['APP_PORT', '1e3', 'APP_PORT="1e3": expected an integer port 0-65535'],
    ['APP_TIMEOUT_MS', '-5', 'APP_TIMEOUT_MS="-5": expected an integer number of milliseconds >= 1'],
    ['APP_TIMEOUT_MS', '0', 'APP_TIMEOUT_MS="0": expected an integer number of milliseconds >= 1'],
    ['APP_TIMEOUT_MS', '99999999999999999999', 'APP_TIMEOUT_MS="99999999999999999999": expected an integer number of milliseconds >= 1'],
    ['APP_MODE', 'quick', 'APP_MODE="quick": expected one of fast, safe'],
    ['APP_SECURE', 'yes', 'APP_SECURE="yes": expected true or false (or 1 or 0)'],
    ['APP_HOSTS', 'b', 'APP_HOSTS="b": expected comma-separated host:port pairs (at least one)'],
    ['APP_HOSTS', ' , ', 'APP_HOSTS=" , ": expected comma-separated host:port pairs (at least one)'],
    ['APP_URL', 'http://x.example', 'APP_URL="http://x.example": expected an absolute https: URL'],
    ['APP_URL', 'x.example', 'APP_URL="x.example": expected an absolute https: URL'],
    ['APP_NAME', 'App', 'APP_NAME="App": expected lower-case letters'],
  ])('refuses %s=%j in one line naming the variable, the value and what is allowed', (name, value, problem) => {
    expect(messageOf(() => readEnv(schema, { [name]: value }))).toBe(`Invalid configuration: ${problem}`);
  });

  it('names every bad variable, one line each, and keeps a value with a line break on its line', () => {
    const message = messageOf(() => readEnv(schema, { APP_PORT: 'x', APP_MODE: 'a\nb', APP_HOSTS: 'a:1,b,c' }));
    expect(message.split('\n')).toEqual([
      'Invalid configuration: APP_PORT="x": expected an integer port 0-65535',
      'Invalid configuration: APP_MODE="a\\nb": expected one of fast, safe',
      'Invalid configuration: APP_HOSTS="a:1,b,c": expected comma-separated host:port pairs (at least one)',
    ]);
  });

  it('never prints a secret: by its name, by its setting, nor the password in a URL', () => {
    expect(messageOf(() => readEnv(schema, { APP_API_TOKEN: 'abc-123' }))).toBe('Invalid configuration: APP_API_TOKEN=<hidden>: expected an integer >= 0');
    const keyed = configSchema({ SIGNING_KEY: setting.secret({ description: 'key' }) }, (values) =>
      (values.SIGNING_KEY ?? '').length < 32 ? [{ variable: 'SIGNING_KEY', message: 'expected at least 32 characters' }] : [],
    );
    expect(messageOf(() => readEnv(keyed, { SIGNING_KEY: 'short-secret' }))).toBe('Invalid configuration: SIGNING_KEY=<hidden>: expected at least 32 characters');
    expect(messageOf(() => readEnv(keyed, {}))).toBe('Invalid configuration: SIGNING_KEY is not set: expected at least 32 characters');
    const message = messageOf(() => readEnv(schema, { APP_URL: 'mongodb://admin:pa55word@db.example:27017/app' }));
    expect(message).toBe('Invalid configuration: APP_URL="mongodb://admin:<hidden>@db.example:27017/app": expected an absolute https: URL');
  });

  it('runs the checks across variables only once each is valid', () => {
    const ranged = configSchema(
      { LOW: setting.integer({ description: 'low', default: 1, min: 0 }), HIGH: setting.integer({ description: 'high', default: 2, min: 0 }) },
      (values) => (values.HIGH < values.LOW ? [{ variable: 'HIGH', message: `expected at least LOW (${values.LOW})` }, { message: 'LOW and HIGH disagree' }] : []),
    );
    expect(readEnv(ranged, { LOW: '3', HIGH: '4' })).toEqual({ LOW: 3, HIGH: 4 });
    expect(messageOf(() => readEnv(ranged, { LOW: '5', HIGH: '4' })).split('\n')).toEqual([
      'Invalid configuration: HIGH="4": expected at least LOW (5)',
      'Invalid configuration: LOW and HIGH disagree',
    ]);
    expect(messageOf(() => readEnv(ranged, { LOW: '-1', HIGH: '4' }))).toBe('Invalid configuration: LOW="-1": expected an integer >= 0');
  });

  it('reads only the variables of the schema', () => {
    expect(readEnv(configSchema({ ONLY: setting.text({ description: 'only' }) }), { ONLY: 'x', OTHER: 'y' })).toEqual({ ONLY: 'x' });
  });
});

describe('checkConfiguration', () => {
  it('collects the problems of every area, each line once', () => {
    const a = configSchema({ SHARED_PORT: setting.port({ description: 'port' }) });
    const b = configSchema({ OTHER_MODE: setting.oneOf(['x'], { description: 'mode' }) });
    const env = { SHARED_PORT: 'p', OTHER_MODE: 'y' };
    expect(messageOf(() => checkConfiguration([() => readEnv(a, env), () => readEnv(b, env), () => readEnv(a, env)])).split('\n')).toEqual([
      'Invalid configuration: SHARED_PORT="p": expected an integer port 0-65535',
      'Invalid configuration: OTHER_MODE="y": expected one of x',
    ]);
    expect(() => checkConfiguration([() => readEnv(a, {}), () => readEnv(b, {})])).not.toThrow();
  });

  it('lets other errors through', () => {
    expect(() => checkConfiguration([() => { throw new TypeError('bug'); }])).toThrow(TypeError);
  });
});

describe('renderConfigTable', () => {
  it('renders one Markdown row per variable: name, default, allowed, description', () => {
    const table = renderConfigTable([
      configSchema({
        A_PORT: setting.port({ description: 'the port', default: 80 }),
        A_FROM: setting.text({ description: 'sender | from', shownDefault: '`Name <a@b>`', allowed: 'an address or Name <address>, *any*' }),
        A_LIST: setting.list({ description: 'items', item: /^x$/, items: 'x', default: [] }),
        A_EMPTY: setting.text({ description: 'prefix', default: '' }),
      }),
    ]);
    expect(table).toBe(
      [
        '| variable | default | allowed | description |',
        '|---|---|---|---|',
        '| `A_PORT` | `80` | an integer port 0-65535 | the port |',
        '| `A_FROM` | `Name <a@b>` | an address or Name &lt;address&gt;, \\*any\\* | sender \\| from |',
        '| `A_LIST` | – | comma-separated x | items |',
        '| `A_EMPTY` | (empty) | any text | prefix |',
        '',
      ].join('\n'),
    );
  });

  it('shows a variable two areas share once, and refuses two declarations of one name', () => {
    const port = setting.port({ description: 'p' });
    expect(renderConfigTable([configSchema({ P: port }), configSchema({ P: port })]).match(/`P`/g)).toHaveLength(1);
    expect(() => renderConfigTable([configSchema({ P: port }), configSchema({ P: setting.port({ description: 'p' }) })])).toThrow(/P is declared by two/);
  });

  it('accepts only documented settings', () => {
    expect(() => configSchema({ RAW: setting.port({ description: 'p' }).optional() as never })).toThrow(/RAW: declare it with one of setting/);
  });
});
