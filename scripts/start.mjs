#!/usr/bin/env node
// `npm start`: brings up the local servers (Kafka, FerretDB, Mailpit; reusing any already
// listening), builds the services, starts all five, the portal and (unless OIDC_ISSUER_URL names
// another provider) the development identity provider, and prints where everything is.
// Ctrl+C stops the services; the servers keep running (`npm run infra -- down` stops them).
import './node-version.mjs'; // Node 24+: stops with a hint on an older Node
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as infra from './infra.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The same as libs/platform/src/service-config.ts's DEFAULT_PORTS and DEFAULT_PORTAL_PORT (plain JS: it runs before the build).
const DEFAULT_PORTS = { intake: 3001, review: 3002, consent: 3003, eligibility: 3004, notifications: 3005, portal: 3000 };

/** Each service's port as the service itself reads it (`<SERVICE>_PORT`, else its default): what we wait on and print. */
function configuredPort(name) {
  const value = process.env[`${name.toUpperCase()}_PORT`];
  if (value === undefined || value === '') return DEFAULT_PORTS[name];
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`${name.toUpperCase()}_PORT must be a port number (1-65535), got '${value}'`);
    process.exit(2);
  }
  return port;
}
const SERVICES = Object.keys(DEFAULT_PORTS).map((name) => [name, configuredPort(name)]);
const HOST = process.env.HTTP_HOST && process.env.HTTP_HOST !== '0.0.0.0' ? process.env.HTTP_HOST : '127.0.0.1';

// Sign-in: the development identity provider (tools/dev-identity-provider; it refuses
// NODE_ENV=production) unless OIDC_ISSUER_URL names a real one. Its access tokens are verified by
// the services through its JWKS, beside the HS256 tokens of `npm run token`.
const devProvider = !process.env.OIDC_ISSUER_URL;
const providerPort = Number(process.env.DEV_IDENTITY_PROVIDER_PORT || 3010);
const issuer = process.env.OIDC_ISSUER_URL ?? `http://127.0.0.1:${providerPort}`;
const portalUrl = process.env.PORTAL_PUBLIC_URL ?? `http://${HOST}:${SERVICES.find(([name]) => name === 'portal')[1]}`;
const signInEnv = {
  OIDC_ISSUER_URL: issuer,
  PORTAL_PUBLIC_URL: portalUrl,
  // Links in partner emails open the claim's page in the portal.
  PARTNER_PORTAL_URL: process.env.PARTNER_PORTAL_URL ?? portalUrl,
  ...(devProvider ? { JWKS_URL: process.env.JWKS_URL ?? `${issuer}/jwks`, JWT_ISSUER: process.env.JWT_ISSUER ?? issuer } : {}),
};
const PROCESSES = [
  ...(devProvider ? [['identity', path.join('tools', 'dev-identity-provider', 'main.js'), `${issuer}/.well-known/openid-configuration`]] : []),
  ...SERVICES.map(([name, port]) => [name, path.join('apps', name, 'src', 'main.js'), `http://${HOST}:${port}/health/ready`]),
];

const endpoints = await infra.up();
// The services reach the servers just started, on whatever ports they were given (KAFKA_PORT,
// MONGO_PORT, SMTP_PORT...), unless the caller named other servers.
const serverEnv = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? endpoints.kafka.brokers.join(','),
  MONGO_URL: process.env.MONGO_URL ?? endpoints.mongodb.url,
  SMTP_HOST: process.env.SMTP_HOST ?? endpoints.smtp.host,
  SMTP_PORT: process.env.SMTP_PORT ?? String(endpoints.smtp.port),
};

console.log('\nbuilding the services (tsc, then tsc-alias for the @cpor/* imports)...');
for (const [tool, args] of [
  ['tsc', ['-p', 'tsconfig.build.json']],
  ['tsc-alias', ['-p', 'tsconfig.build.json']],
]) {
  const build = spawnSync(path.join(root, 'node_modules', '.bin', tool), args, { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The services write into pipes, so they would log JSON: in a terminal, ask for readable, coloured
// lines instead (LOG_FORMAT=json keeps JSON; docs/operations.md, Logs).
const logEnv = process.stdout.isTTY && !process.env.LOG_FORMAT ? { LOG_FORMAT: 'pretty', ...(process.env.NO_COLOR === undefined ? { FORCE_COLOR: '1' } : {}) } : {};

// kafkajs 2.2.4 arms timers with negative delays, which Node 24 reports on stderr as a
// TimeoutNegativeWarning on every rebalance (Node treats them as 1 ms, as kafkajs expects): silenced.
const NODE_FLAGS = ['--disable-warning=TimeoutNegativeWarning'];

const children = PROCESSES.map(([name, entry]) => {
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(root, 'dist', entry)], {
    cwd: root,
    env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development', ...serverEnv, ...signInEnv, ...logEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}]`.padEnd(16);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) console.log(prefix + line);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping the others`);
      stop(1);
    }
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 15_000).unref();
  Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve))))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function ready(url) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(url);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

const states = new Map(await Promise.all(PROCESSES.map(async ([name, , url]) => [name, await ready(url)])));
if (stopping) process.exit(1);
const notReady = (name) => (states.get(name) ? '' : '  NOT READY');
console.log('\nCPOR claims is running:');
console.log(`  portal         ${portalUrl}  (partners and reviewers sign in here)${notReady('portal')}`);
console.log(`  sign-in        ${issuer}  (${devProvider ? 'development identity provider: users in README.md, password cpor-dev' : 'OIDC_ISSUER_URL'})${devProvider ? notReady('identity') : ''}`);
SERVICES.filter(([name]) => name !== 'portal').forEach(([name, port]) => {
  console.log(`  ${name.padEnd(14)} http://${HOST}:${port}  (OpenAPI /docs, health /health/ready, metrics /metrics)${notReady(name)}`);
});
console.log(`  mail UI        ${endpoints.mail.url}`);
console.log(`  kafka          ${endpoints.kafka.brokers.join(',')}   mongodb ${endpoints.mongodb.url}`);
console.log('\nTokens for the APIs: npm run token -- --role incentives-admin --partner 1234567  |  npm run token -- --role poe-reviewer');
console.log('Ctrl+C stops the services; npm run infra -- down stops the servers.');
