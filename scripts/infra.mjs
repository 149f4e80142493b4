#!/usr/bin/env node
// Local "real servers" for development and integration tests, without Docker.
//
//   node scripts/infra.mjs up       start what is missing, reuse what already listens, wait until ready
//   node scripts/infra.mjs status   print each server: up/down, pid, owned/reused
//   node scripts/infra.mjs down     stop only the servers that `up` started
//   (each takes optional server names: `node scripts/infra.mjs down mail`)
//
// Servers:
//   kafka     Apache Kafka 4.x, single-node KRaft (jars from Maven, see infra/kafka/pom.xml), with
//             three client listeners: PLAINTEXT (what everything uses), SASL_PLAINTEXT and SASL_SSL
//             (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for the fixed local user `cpor` /
//             `cpor-local-password`; TLS with a CA and server certificate generated once into the cache)
//   postgres  PostgreSQL (the installed server: /usr/lib/postgresql/<highest major>/bin, else
//             `pg_config --bindir`; installed with apt-get when missing and we are root), a
//             throwaway cluster (fsync off) holding FerretDB's data; not with FERRETDB_BACKEND=sqlite
//   mongodb   FerretDB v1.24.2 (MongoDB wire protocol), built with go, on PostgreSQL or SQLite
//   mail      Mailpit v1.27.11 (SMTP server keeping every message, HTTP API + web UI), built with go
//             (the web UI bundle is built with npm from Mailpit's own lockfile; API-only if that fails)
//
// FERRETDB_BACKEND=postgresql|sqlite (default postgresql) picks FerretDB's storage. PostgreSQL runs
// parallel writers several times faster and pushes equality filters down to SQL, where the GIN
// twins of infra/postgres/ferretdb-gin-indexes.sql serve them (docs/operations.md); SQLite needs
// no server (one file per database in .cache/infra/ferretdb/data/). `up` starts postgres before
// mongodb (and `up mongodb` brings postgres along). A FerretDB already running keeps the backend it
// was started with: `down mongodb` then `up` to switch.
//
// Everything is cached in .cache/infra/ (override: INFRA_CACHE_DIR); logs in .cache/infra/logs/,
// pids of the servers this script started in .cache/infra/pids/.
// Ports: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_SASL_PORT (9094, SASL_PLAINTEXT),
// KAFKA_SASL_SSL_PORT (9095, SASL_SSL), POSTGRES_PORT (5433, not 5432: that may be the system's
// cluster), MONGO_PORT (27017), SMTP_PORT (1025), MAIL_HTTP_PORT (8025).
// Start deadline per server: INFRA_START_TIMEOUT_MS (default 120000 for Kafka, 60000 for the others).
// Run as root, PostgreSQL's initdb and server run as the `postgres` system user (via setpriv).
//
// Also usable as a module (e.g. Jest globalSetup):
//   const { up } = await import('../scripts/infra.mjs'); const endpoints = await up();
// endpoints.kafka.sasl and endpoints.kafka.saslSsl name the SASL listeners, the local user and
// password, and the CA file (PEM) that signed the SASL_SSL listener's certificate.
//
// Plain Node >= 20 ESM, no npm dependencies.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POM = path.join(ROOT, 'infra', 'kafka', 'pom.xml');
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';
const MAILPIT_MODULE = 'github.com/axllent/mailpit';
const MAILPIT_VERSION = 'v1.27.11';
const FERRETDB_BACKENDS = { postgresql: 'PostgreSQL', sqlite: 'SQLite' }; // FERRETDB_BACKEND -> name
const PG_USER = 'postgres'; // superuser created by initdb, and the system user servers run as under root
const PG_DATABASE = 'ferretdb';
const POLL_MS = 200;
// The local broker's SASL user (every mechanism) and its keystore's password: fixed development
// values, documented in docs/operations.md, not secrets (the listeners bind to 127.0.0.1 only).
const KAFKA_SASL_USER = 'cpor';
const KAFKA_SASL_PASSWORD = 'cpor-local-password';
const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
const KAFKA_SCRAM_MECHANISMS = KAFKA_SASL_MECHANISMS.filter((m) => m.startsWith('SCRAM-'));
const KAFKA_KEYSTORE_PASSWORD = 'cpor-local-keystore';
const FERRETDB_PG_POOL = 280;

// ---------------------------------------------------------------------------------------------
// configuration and paths

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new InfraError(`${name}=${raw} is not a valid TCP port`);
  }
  return n;
}

// PostgreSQL by default: parallel writers run several times faster than on SQLite (`npm run
// bench` compares them), and with the GIN twins (infra/postgres) its filters use indexes
// (docs/operations.md).
export const DEFAULT_FERRETDB_BACKEND = 'postgresql';

function ferretDbBackendEnv() {
  const raw = (process.env.FERRETDB_BACKEND ?? '').trim();
  if (raw === '') return DEFAULT_FERRETDB_BACKEND;
  if (!Object.hasOwn(FERRETDB_BACKENDS, raw.toLowerCase())) {
    throw new InfraError(`FERRETDB_BACKEND=${raw} is not one of ${Object.keys(FERRETDB_BACKENDS).join(', ')}`);
  }
  return raw.toLowerCase();
}

function config() {
  const cache = path.resolve(process.env.INFRA_CACHE_DIR || path.join(ROOT, '.cache', 'infra'));
  const startTimeout = process.env.INFRA_START_TIMEOUT_MS
    ? Number(process.env.INFRA_START_TIMEOUT_MS)
    : undefined;
  return {
    cache,
    logs: path.join(cache, 'logs'),
    pids: path.join(cache, 'pids'),
    bin: path.join(cache, 'bin'),
    build: path.join(cache, 'build'),
    startTimeout,
    ferretdbBackend: ferretDbBackendEnv(),
    ports: {
      kafka: intEnv('KAFKA_PORT', 9092),
      kafkaController: intEnv('KAFKA_CONTROLLER_PORT', 9093),
      kafkaSasl: intEnv('KAFKA_SASL_PORT', 9094),
      kafkaSaslSsl: intEnv('KAFKA_SASL_SSL_PORT', 9095),
      postgres: intEnv('POSTGRES_PORT', 5433),
      mongo: intEnv('MONGO_PORT', 27017),
      smtp: intEnv('SMTP_PORT', 1025),
      mailHttp: intEnv('MAIL_HTTP_PORT', 8025),
    },
  };
}

function endpoints(cfg) {
  const p = cfg.ports;
  return {
    kafka: {
      brokers: [`${HOST}:${p.kafka}`],
      // The same broker's authenticated listeners (only on a broker this script started).
      sasl: { brokers: [`${HOST}:${p.kafkaSasl}`], ...kafkaSaslUser },
      saslSsl: { brokers: [`${HOST}:${p.kafkaSaslSsl}`], ...kafkaSaslUser, caFile: kafkaPaths(cfg).caPem },
    },
    mongodb: { url: `mongodb://${HOST}:${p.mongo}`, backend: cfg.ferretdbBackend },
    ...(cfg.ferretdbBackend === 'postgresql' ? { postgres: { url: postgresUrl(cfg) } } : {}),
    smtp: { host: HOST, port: p.smtp },
    mail: { url: `http://${HOST}:${p.mailHttp}` },
  };
}

const kafkaSaslUser = {
  mechanisms: KAFKA_SASL_MECHANISMS.map((m) => m.toLowerCase()),
  username: KAFKA_SASL_USER,
  password: KAFKA_SASL_PASSWORD,
};

function postgresUrl(cfg) {
  return `postgres://${PG_USER}@${HOST}:${cfg.ports.postgres}/${PG_DATABASE}`;
}

class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
  }
}

const rel = (p) => {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fmtSecs(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

function mkdirs(cfg) {
  for (const d of [cfg.cache, cfg.logs, cfg.pids, cfg.bin, cfg.build]) fs.mkdirSync(d, { recursive: true });
}

// ---------------------------------------------------------------------------------------------
// tools

const TOOL_HINTS = {
  java: 'install a Java 17+ JDK, e.g. apt-get install openjdk-17-jdk-headless',
  mvn: 'install Maven 3.8+, e.g. apt-get install maven',
  keytool: "the JDK's keytool, for the local broker's TLS certificate (comes with openjdk-17-jdk-headless)",
  go: 'install Go 1.24+ from https://go.dev/dl/',
  postgresql:
    'install the PostgreSQL server, e.g. apt-get install postgresql (looked for in ' +
    '/usr/lib/postgresql/<major>/bin, then `pg_config --bindir`); or FERRETDB_BACKEND=sqlite',
};

const toolChecked = new Map();

/** null when usable, else the reason */
function checkTool(name) {
  if (toolChecked.has(name)) return toolChecked.get(name);
  if (name === 'postgresql') {
    const problem = postgresProblem();
    toolChecked.set(name, problem);
    return problem;
  }
  const args = name === 'java' ? ['-version'] : name === 'go' ? ['version'] : name === 'keytool' ? ['-help'] : ['-v'];
  const r = spawnSync(name, args, { encoding: 'utf8' });
  let problem = null;
  if (r.error || r.status !== 0) {
    problem = `${name} (${TOOL_HINTS[name]})`;
  } else {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (name === 'java') {
      const m = out.match(/version "(\d+)(?:\.(\d+))?/);
      const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
      if (major && major < 17) problem = `java 17+ (found ${major}; ${TOOL_HINTS.java})`;
    }
    if (name === 'go') {
      const m = out.match(/go1\.(\d+)/);
      if (m && Number(m[1]) < 21) problem = `go 1.21+ (found ${m[0]}; ${TOOL_HINTS.go})`;
    }
  }
  toolChecked.set(name, problem);
  return problem;
}

/** Throws one line naming every missing tool. */
function requireTools(names) {
  const problems = [...new Set(names)].map(checkTool).filter(Boolean);
  if (problems.length) throw new InfraError(`infra: missing ${problems.join(', ')}`);
}

const requireTool = (name) => requireTools([name]);

/** Run a command to completion; output appended to logFile. Resolves with captured stdout if asked. */
function run(cmd, args, { cwd, env, logFile, captureStdout = false }) {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `\n$ ${cmd} ${args.join(' ')}   (cwd ${cwd})\n`);
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', captureStdout ? 'pipe' : fd, fd],
    });
    let stdout = '';
    if (captureStdout) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d) => {
        stdout += d;
        fs.writeSync(fd, d);
      });
    }
    child.on('error', (err) => {
      fs.closeSync(fd);
      reject(new InfraError(`infra: could not run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      fs.closeSync(fd);
      if (code === 0) resolve(stdout);
      else {
        reject(
          new InfraError(
            `infra: \`${cmd} ${args.slice(0, 3).join(' ')} ...\` failed (${signal ?? `exit ${code}`}); ` +
              `see ${rel(logFile)}\n${tail(logFile, 15)}`,
          ),
        );
      }
    });
  });
}

function tail(file, lines) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines)
      .map((l) => `    | ${l}`)
      .join('\n');
  } catch {
    return '';
  }
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function goEnv() {
  return { GOWORK: 'off', GO111MODULE: 'on', GOFLAGS: '-buildvcs=false' };
}

function makeWritable(dir) {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else if (entry.isFile()) fs.chmodSync(p, 0o644);
  }
}

// ---------------------------------------------------------------------------------------------
// probes (each one attempt, short timeout; callers loop with a deadline)

function tcpRequest(port, payload, { timeoutMs = 1500, until } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on('connect', () => {
      if (payload === undefined) finish(Buffer.alloc(0));
      else if (payload !== null) socket.write(payload);
    });
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!until || until(buf)) finish(buf);
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(buf.length ? buf : null));
  });
}

/** true when something accepts TCP connections on the port (the fault suite checks its services' ports with it) */
export async function listening(port) {
  return (await tcpRequest(port, undefined, { timeoutMs: 1000 })) !== null;
}

/** Kafka ApiVersions v0 round trip: the broker's socket server is serving requests. */
async function kafkaAnswers(port) {
  const clientId = Buffer.from('infra-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // api key ApiVersions
  body.writeInt16BE(0, 2); // version 0
  body.writeInt32BE(4242, 4); // correlation id
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  const res = await tcpRequest(port, Buffer.concat([size, body]), {
    until: (b) => b.length >= 4 && b.length >= 4 + b.readInt32BE(0),
  });
  if (!res || res.length < 10) return false;
  return res.readInt32BE(4) === 4242 && res.readInt16BE(8) === 0;
}

/** MongoDB OP_MSG {<command>: 1, $db: "admin"}: the reply document's bytes, or null */
async function mongoCommand(port, command) {
  const el = [];
  el.push(Buffer.from([0x10]), Buffer.from(`${command}\0`), int32le(1));
  el.push(Buffer.from([0x02]), Buffer.from('$db\0'), int32le(6), Buffer.from('admin\0'));
  const elems = Buffer.concat(el);
  const doc = Buffer.concat([int32le(4 + elems.length + 1), elems, Buffer.from([0])]);
  const body = Buffer.concat([int32le(0), Buffer.from([0]), doc]); // flagBits, section kind 0
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(7, 4); // requestID
  header.writeInt32LE(0, 8); // responseTo
  header.writeInt32LE(2013, 12); // OP_MSG
  const res = await tcpRequest(port, Buffer.concat([header, body]), {
    until: (b) => b.length >= 4 && b.length >= b.readInt32LE(0),
  });
  if (!res || res.length < 21 || res.readInt32LE(12) !== 2013) return null;
  return res.subarray(21);
}

/** MongoDB OP_MSG {ping: 1, $db: "admin"} answered with ok: 1 */
async function mongoAnswers(port) {
  const reply = await mongoCommand(port, 'ping');
  if (!reply) return false;
  const at = reply.indexOf(Buffer.from('ok\0'));
  if (at < 1) return false;
  const type = reply[at - 1];
  const v = at + 3;
  if (type === 0x01) return reply.readDoubleLE(v) === 1;
  if (type === 0x10) return reply.readInt32LE(v) === 1;
  return false;
}

function int32le(n) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n, 0);
  return b;
}

/** SMTP greeting "220 ..." then QUIT */
async function smtpAnswers(port) {
  const res = await tcpRequest(port, null, { until: (b) => b.includes(0x0a) });
  return !!res && res.toString('latin1').startsWith('220');
}

/**
 * PostgreSQL accepting connections: `pg_isready` of the installed server when there is one, else
 * (someone else's server, no local binaries) an SSLRequest answered with 'S' or 'N'.
 */
async function postgresAnswers(port) {
  if (!(await listening(port))) return false;
  const install = postgresInstalls()[0];
  if (!install) {
    const sslRequest = Buffer.alloc(8);
    sslRequest.writeInt32BE(8, 0);
    sslRequest.writeInt32BE(80877103, 4);
    const res = await tcpRequest(port, sslRequest, { until: (b) => b.length >= 1 });
    return !!res && (res[0] === 0x53 || res[0] === 0x4e);
  }
  const args = ['-q', '-h', HOST, '-p', String(port), '-U', PG_USER, '-t', '2'];
  return new Promise((resolve) => {
    const child = spawn(path.join(install.bin, 'pg_isready'), args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// pid records

function pidFile(cfg, name) {
  return path.join(cfg.pids, `${name}.json`);
}

function readPid(cfg, name) {
  try {
    return JSON.parse(fs.readFileSync(pidFile(cfg, name), 'utf8'));
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return !zombie(pid);
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Exited but not yet reaped (our detached servers are reparented to init, which may reap slowly). */
function zombie(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'Z';
  } catch {
    return false; // gone, or no /proc
  }
}

/** The pid record, when its process is still alive and still the one we started. */
function ownedProcess(cfg, name) {
  const rec = readPid(cfg, name);
  if (!rec || !Number.isInteger(rec.pid) || !alive(rec.pid)) return null;
  try {
    const cmdline = fs.readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8');
    if (rec.marker && !cmdline.includes(rec.marker)) return null; // pid reused by something else
  } catch {
    // no /proc (macOS): trust the pid
  }
  return rec;
}

/**
 * stop: the server's `stop` ({ signal, group }): the first signal (default SIGTERM) and whether it
 * goes to the whole process group (default) or the main process only. SIGKILL goes to the group.
 */
async function stopProcess(rec, { timeoutMs = 30_000, stop = {} } = {}) {
  const signal = (sig, group = true) => {
    // -pid: the whole process group (started detached); else, or if that fails, the process alone
    for (const target of group ? [-rec.pid, rec.pid] : [rec.pid]) {
      try {
        process.kill(target, sig);
        return;
      } catch {
        /* no such group, or already gone */
      }
    }
  };
  signal(stop.signal ?? 'SIGTERM', stop.group ?? true);
  const deadline = Date.now() + timeoutMs;
  while (alive(rec.pid) && Date.now() < deadline) await delay(100);
  if (alive(rec.pid)) {
    signal('SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (alive(rec.pid) && Date.now() < killDeadline) await delay(100);
    return 'killed';
  }
  return 'stopped';
}

// ---------------------------------------------------------------------------------------------
// lock: one `up`/`down` at a time (parallel Jest workers, a developer's terminal, ...)

async function withLock(cfg, log, fn) {
  const lock = path.join(cfg.cache, 'infra.lock');
  const deadline = Date.now() + 30 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lock, 'utf8').trim());
      if (!holder || !alive(holder) || holder === process.pid) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (!announced) {
        log(`infra: waiting for another infra.mjs (pid ${holder}) to finish ...`, true);
        announced = true;
      }
      if (Date.now() > deadline) throw new InfraError(`infra: ${rel(lock)} held by pid ${holder} for 30 min`);
      await delay(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka

function kafkaVersion() {
  const m = fs.readFileSync(POM, 'utf8').match(/<kafka\.version>([^<]+)<\/kafka\.version>/);
  return m ? m[1].trim() : 'unknown';
}

function kafkaPaths(cfg) {
  const home = path.join(cfg.cache, 'kafka');
  return {
    home,
    libs: path.join(home, 'libs'),
    data: path.join(home, 'data'),
    props: path.join(home, 'server.properties'),
    log4j: path.join(home, 'log4j2.properties'),
    formatStamp: path.join(home, 'data', '.infra-format.json'),
    tls: path.join(home, 'tls'),
    caPem: path.join(home, 'tls', 'ca.pem'),
    keystore: path.join(home, 'tls', 'broker.p12'),
  };
}

async function fetchKafkaJars(cfg, log) {
  const k = kafkaPaths(cfg);
  const pomHash = createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  const stamp = path.join(k.libs, '.pom-sha256');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === pomHash) return;
  requireTool('mvn');
  const logFile = path.join(cfg.logs, 'kafka-fetch.log');
  log(`kafka: fetching Kafka ${kafkaVersion()} jars with Maven (first run only) -> ${rel(k.libs)}`, true);
  const started = Date.now();
  const tmp = `${k.libs}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await run(
    'mvn',
    ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`],
    { cwd: ROOT, logFile },
  );
  fs.rmSync(k.libs, { recursive: true, force: true });
  fs.renameSync(tmp, k.libs);
  fs.writeFileSync(stamp, `${pomHash}\n`);
  const jars = fs.readdirSync(k.libs).filter((f) => f.endsWith('.jar')).length;
  log(`kafka: ${jars} jars fetched in ${fmtSecs(Date.now() - started)}`);
}

function writeKafkaConfig(cfg) {
  const k = kafkaPaths(cfg);
  const p = cfg.ports;
  const listeners = [
    `PLAINTEXT://${HOST}:${p.kafka}`,
    `CONTROLLER://${HOST}:${p.kafkaController}`,
    `SASL_PLAINTEXT://${HOST}:${p.kafkaSasl}`,
    `SASL_SSL://${HOST}:${p.kafkaSaslSsl}`,
  ].join(',');
  const props = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.bootstrap.servers': `${HOST}:${p.kafkaController}`,
    listeners,
    'advertised.listeners': listeners,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    // Clients may authenticate on the SASL listeners; the broker and its controller talk PLAINTEXT.
    'sasl.enabled.mechanisms': KAFKA_SASL_MECHANISMS.join(','),
    ...Object.fromEntries(
      ['sasl_plaintext', 'sasl_ssl'].flatMap((listener) => [
        // PLAIN users are the login module's user_<name> options; SCRAM users live in the KRaft metadata (formatKafkaStorage).
        [`listener.name.${listener}.plain.sasl.jaas.config`, `org.apache.kafka.common.security.plain.PlainLoginModule required user_${KAFKA_SASL_USER}="${KAFKA_SASL_PASSWORD}";`],
        ...KAFKA_SCRAM_MECHANISMS.map((m) => [`listener.name.${listener}.${m.toLowerCase()}.sasl.jaas.config`, 'org.apache.kafka.common.security.scram.ScramLoginModule required;']),
      ]),
    ),
    'listener.name.sasl_ssl.ssl.keystore.type': 'PKCS12',
    'listener.name.sasl_ssl.ssl.keystore.location': k.keystore,
    'listener.name.sasl_ssl.ssl.keystore.password': KAFKA_KEYSTORE_PASSWORD,
    'listener.name.sasl_ssl.ssl.key.password': KAFKA_KEYSTORE_PASSWORD,
    'log.dirs': k.data,
    'num.partitions': '3',
    'auto.create.topics.enable': 'true',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
  };
  const text =
    '# generated by scripts/infra.mjs on every start; edit the script, not this file\n' +
    Object.entries(props)
      .map(([key, v]) => `${key}=${v}`)
      .join('\n') +
    '\n';
  fs.writeFileSync(k.props, text);
  fs.writeFileSync(
    k.log4j,
    [
      'status = warn',
      'appender.out.type = Console',
      'appender.out.name = STDOUT',
      'appender.out.layout.type = PatternLayout',
      'appender.out.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.out.ref = STDOUT',
      // the noisiest INFO loggers
      'logger.request.name = kafka.request.logger',
      'logger.request.level = WARN',
      'logger.clients.name = org.apache.kafka.clients',
      'logger.clients.level = WARN',
      'logger.config.name = org.apache.kafka.common.config.AbstractConfig',
      'logger.config.level = WARN',
      'logger.logcleaner.name = kafka.log.LogCleaner',
      'logger.logcleaner.level = WARN',
      '',
    ].join('\n'),
  );
}

function kafkaClusterId() {
  // Kafka's Uuid: 16 random bytes, base64url without padding, never starting with '-'
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function formatKafkaStorage(cfg, log) {
  const k = kafkaPaths(cfg);
  // In KRaft, SCRAM credentials are metadata records: the bootstrap ones are written by the format.
  const scram = KAFKA_SCRAM_MECHANISMS.map((m) => `${m}=[name=${KAFKA_SASL_USER},password=${KAFKA_SASL_PASSWORD}]`);
  const wanted = { controller: `${HOST}:${cfg.ports.kafkaController}`, scram };
  if (fs.existsSync(path.join(k.data, 'meta.properties'))) {
    let stamp = null;
    try {
      stamp = JSON.parse(fs.readFileSync(k.formatStamp, 'utf8'));
    } catch {
      /* formatted by hand */
    }
    if (!stamp) return;
    const changed = Object.keys(wanted).filter((key) => JSON.stringify(stamp[key]) !== JSON.stringify(wanted[key]));
    if (!changed.length) return;
    const what = changed.map((key) => (key === 'controller' ? `controller address (${stamp.controller} -> ${wanted.controller})` : 'SCRAM users'));
    log(`kafka: ${what.join(' and ')} changed; re-formatting ${rel(k.data)} (its topics are dropped)`, true);
    fs.rmSync(k.data, { recursive: true, force: true });
  }
  const clusterId = kafkaClusterId();
  log(`kafka: formatting KRaft storage (standalone controller, cluster id ${clusterId}) in ${rel(k.data)}`, true);
  await run(
    'java',
    ['-Xmx256m', `-Dlog4j2.configurationFile=${k.log4j}`, '-cp', `${k.libs}/*`, 'kafka.tools.StorageTool',
      'format', '--standalone', '--cluster-id', clusterId, '--config', k.props, ...scram.flatMap((s) => ['--add-scram', s])],
    { cwd: k.home, logFile: path.join(cfg.logs, 'kafka-format.log') },
  );
  fs.writeFileSync(k.formatStamp, JSON.stringify({ ...wanted, clusterId }) + '\n');
}

/**
 * The SASL_SSL listener's certificate: a self-signed CA (`tls/ca.pem`, what clients trust through
 * KAFKA_TLS_CA_FILE) and the broker's key and certificate for 127.0.0.1 and localhost signed by it
 * (`tls/broker.p12`). Made once with the JDK's keytool (no openssl needed); the CA's private key is
 * dropped afterwards, since nothing else is ever signed with it. Remove `tls/` to make new ones.
 */
async function ensureKafkaTls(cfg, log) {
  const k = kafkaPaths(cfg);
  if (fs.existsSync(k.caPem) && fs.existsSync(k.keystore)) return;
  requireTool('keytool');
  log(`kafka: generating a local CA and the broker's TLS certificate in ${rel(k.tls)}`, true);
  const tmp = `${k.tls}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const logFile = path.join(cfg.logs, 'kafka-tls.log');
  const store = (file) => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', KAFKA_KEYSTORE_PASSWORD];
  const keytool = (...args) => run('keytool', [...args, '-noprompt'], { cwd: tmp, logFile });
  const key = ['-keyalg', 'RSA', '-keysize', '2048', '-validity', '3650', '-keypass', KAFKA_KEYSTORE_PASSWORD];
  await keytool('-genkeypair', '-alias', 'ca', '-dname', 'CN=cpor local Kafka CA', '-ext', 'bc:c', ...key, ...store('ca.p12'));
  await keytool('-exportcert', '-rfc', '-alias', 'ca', '-file', 'ca.pem', ...store('ca.p12'));
  await keytool('-genkeypair', '-alias', 'broker', '-dname', 'CN=localhost', ...key, ...store('broker.p12'));
  await keytool('-certreq', '-alias', 'broker', '-file', 'broker.csr', ...store('broker.p12'));
  await keytool('-gencert', '-alias', 'ca', '-infile', 'broker.csr', '-outfile', 'broker.pem', '-rfc', '-validity', '3650',
    '-ext', `SAN=ip:${HOST},dns:localhost`, '-ext', 'KU=digitalSignature,keyEncipherment', '-ext', 'EKU=serverAuth', ...store('ca.p12'));
  // The broker's keystore holds its key with the chain broker -> CA.
  await keytool('-importcert', '-alias', 'ca', '-file', 'ca.pem', ...store('broker.p12'));
  await keytool('-importcert', '-alias', 'broker', '-file', 'broker.pem', ...store('broker.p12'));
  for (const file of ['ca.p12', 'broker.csr', 'broker.pem']) fs.rmSync(path.join(tmp, file));
  fs.rmSync(k.tls, { recursive: true, force: true });
  fs.renameSync(tmp, k.tls);
}

const kafka = {
  name: 'kafka',
  tools: (cfg) => [
    'java',
    ...(fs.existsSync(path.join(kafkaPaths(cfg).libs, '.pom-sha256')) ? [] : ['mvn']),
    ...(fs.existsSync(kafkaPaths(cfg).keystore) ? [] : ['keytool']),
  ],
  timeoutMs: 120_000,
  ports: (cfg) => [cfg.ports.kafka, cfg.ports.kafkaController, cfg.ports.kafkaSasl, cfg.ports.kafkaSaslSsl],
  endpoint: (cfg) => `kafka ${HOST}:${cfg.ports.kafka} (SASL ${cfg.ports.kafkaSasl}, SASL_SSL ${cfg.ports.kafkaSaslSsl})`,
  ready: async (cfg, { logFile } = {}) => {
    if (!(await kafkaAnswers(cfg.ports.kafka))) return false;
    if (!logFile) return true;
    try {
      return fs.readFileSync(logFile, 'utf8').includes('Kafka Server started');
    } catch {
      return false;
    }
  },
  async prepare(cfg, log) {
    requireTool('java');
    await fetchKafkaJars(cfg, log);
    await ensureKafkaTls(cfg, log);
    writeKafkaConfig(cfg);
    await formatKafkaStorage(cfg, log);
    const k = kafkaPaths(cfg);
    return {
      cmd: 'java',
      args: [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${k.log4j}`,
        '-cp',
        `${k.libs}/*`,
        'kafka.Kafka',
        k.props,
      ],
      cwd: k.home,
      marker: k.props,
    };
  },
  // A reused broker may lack the SASL listeners (started before they existed, or not by this
  // script): say so, since the tests of Kafka security need them.
  async afterReady(cfg, log) {
    const closed = [];
    for (const port of [cfg.ports.kafkaSasl, cfg.ports.kafkaSaslSsl]) if (!(await listening(port))) closed.push(port);
    if (closed.length) {
      log(
        `kafka: nothing listens on port ${closed.join(' and ')} (the SASL listeners); a broker infra.mjs started earlier ` +
          'gets them with `node scripts/infra.mjs down kafka && node scripts/infra.mjs up kafka`',
        true,
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// PostgreSQL (FerretDB's storage unless FERRETDB_BACKEND=sqlite)

const PG_LIB = '/usr/lib/postgresql';
let pgInstallsCache = null;
let aptUpdated = false;

/**
 * Installed PostgreSQL servers, highest major first: Debian's /usr/lib/postgresql/<major>/bin, else
 * the one `pg_config --bindir` names. [{ major, bin }]
 */
function postgresInstalls() {
  if (pgInstallsCache) return pgInstallsCache;
  const isServer = (bin) => fs.existsSync(path.join(bin, 'postgres')) && fs.existsSync(path.join(bin, 'initdb'));
  const found = [];
  try {
    for (const entry of fs.readdirSync(PG_LIB)) {
      const bin = path.join(PG_LIB, entry, 'bin');
      if (/^\d+$/.test(entry) && isServer(bin)) found.push({ major: Number(entry), bin });
    }
  } catch {
    /* not Debian's layout */
  }
  if (!found.length) {
    const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    const bin = r.status === 0 ? r.stdout.trim() : '';
    if (bin && isServer(bin)) {
      const v = spawnSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' });
      const m = (v.stdout ?? '').match(/\(PostgreSQL\)\s+(\d+)/);
      found.push({ major: m ? Number(m[1]) : 0, bin });
    }
  }
  found.sort((a, b) => b.major - a.major);
  if (found.length) pgInstallsCache = found;
  return found;
}

const isRoot = () => process.getuid?.() === 0;

function canAptInstall() {
  return isRoot() && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** { uid, gid } of a system user, or null */
function systemUser(name) {
  const id = (flag) => spawnSync('id', [flag, name], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0) return null;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** null when postgres can be started (or installed first), else the reason (see checkTool) */
function postgresProblem() {
  const installed = postgresInstalls().length > 0;
  if (!installed && !canAptInstall()) return `postgresql (${TOOL_HINTS.postgresql})`;
  if (installed && isRoot()) {
    // apt-get install postgresql creates the user; setpriv is util-linux's
    if (!systemUser(PG_USER)) {
      return `a '${PG_USER}' system user to run PostgreSQL as (it refuses to run as root), e.g. useradd --system ${PG_USER}`;
    }
    if (spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status !== 0) {
      return 'setpriv (util-linux), to run PostgreSQL as a non-root user';
    }
  }
  return null;
}

/** The server to run: the highest installed major, or the one that created the data dir. */
async function postgresInstall(cfg, log, dataMajor, data) {
  let installs = postgresInstalls();
  if (!installs.length && canAptInstall()) {
    const logFile = path.join(cfg.logs, 'postgres-install.log');
    log(`postgres: no PostgreSQL server installed; installing it with apt-get (log ${rel(logFile)})`, true);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      await run('apt-get', ['update'], { cwd: cfg.cache, env, logFile });
      aptUpdated = true;
    }
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { cwd: cfg.cache, env, logFile });
    installs = postgresInstalls();
  }
  if (!installs.length) throw new InfraError(`infra: missing postgresql (${TOOL_HINTS.postgresql})`);
  if (!dataMajor) return installs[0];
  const same = installs.find((i) => i.major === dataMajor);
  if (same) return same;
  throw new InfraError(
    `infra: ${rel(data)} was created by PostgreSQL ${dataMajor}, which is not installed ` +
      `(found ${installs.map((i) => i.major).join(', ')}); remove that folder to start from an empty database`,
  );
}

/** argv prefix running a PostgreSQL program as the postgres system user when we are root ([] otherwise). */
function pgRunAs() {
  if (!isRoot()) return { prefix: [], user: null };
  const problem = postgresProblem();
  const user = systemUser(PG_USER);
  if (problem || !user) throw new InfraError(`infra: missing ${problem ?? `a '${PG_USER}' system user`}`);
  return { prefix: ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'], user };
}

/**
 * Where the cluster lives: in the cache, unless we are root and the postgres user cannot reach
 * the cache (a checkout under /root, say); then in /var/tmp, one folder per cache dir.
 */
function postgresPaths(cfg) {
  let home = path.join(cfg.cache, 'postgres');
  if (isRoot() && !reachableByPostgres(cfg.cache)) {
    const tag = createHash('sha256').update(cfg.cache).digest('hex').slice(0, 12);
    home = path.join('/var/tmp', `cpor-infra-postgres-${tag}`);
    fs.mkdirSync(home, { recursive: true, mode: 0o755 });
  }
  return { home, data: path.join(home, 'data'), sockets: path.join(home, 'run') };
}

function reachableByPostgres(dir) {
  const user = systemUser(PG_USER);
  if (!user) return true; // nothing to check against; pgRunAs reports the missing user
  fs.mkdirSync(dir, { recursive: true });
  return spawnSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', 'test', '-x', dir], { stdio: 'ignore' }).status === 0;
}

/** Creates FerretDB's database when the server lacks it and installs its GIN twins (psql and createdb of the installed server). */
async function ensureFerretDbDatabase(cfg, log) {
  const install = postgresInstalls()[0];
  if (!install) return; // someone else's server and no client tools here: FerretDB will say if it is missing
  const logFile = path.join(cfg.logs, 'postgres-setup.log');
  const conn = ['-h', HOST, '-p', String(cfg.ports.postgres), '-U', PG_USER];
  const exists = await run(
    path.join(install.bin, 'psql'),
    [...conn, '-d', 'postgres', '-XtAc', `SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'`],
    { cwd: cfg.cache, logFile, captureStdout: true },
  );
  if (exists.trim() !== '1') {
    await run(path.join(install.bin, 'createdb'), [...conn, PG_DATABASE], { cwd: cfg.cache, logFile });
    log(`postgres: created database ${PG_DATABASE}`);
  }
  // Indexes FerretDB's own filters can use (see the file); idempotent, so applied on every start,
  // in one transaction (no moment without the trigger). It needs a superuser: on a server of
  // someone else's where we are not one, FerretDB still works, only its filters scan.
  const sql = path.join(ROOT, 'infra', 'postgres', 'ferretdb-gin-indexes.sql');
  try {
    await run(path.join(install.bin, 'psql'), [...conn, '-d', PG_DATABASE, '-Xq1', '-v', 'ON_ERROR_STOP=1', '-f', sql], { cwd: cfg.cache, logFile });
  } catch (error) {
    log(`postgres: warning: could not apply ${rel(sql)} (${error.message}); FerretDB's filters will scan their tables`, true);
  }
}

const postgres = {
  name: 'postgres',
  enabled: (cfg) => cfg.ferretdbBackend === 'postgresql',
  tools: () => ['postgresql'],
  timeoutMs: 60_000,
  // fast shutdown (SIGINT to the postmaster alone, as pg_ctl does): SIGTERM waits for every client
  stop: { signal: 'SIGINT', group: false },
  ports: (cfg) => [cfg.ports.postgres],
  endpoint: (cfg) => postgresUrl(cfg),
  ready: (cfg) => postgresAnswers(cfg.ports.postgres),
  async prepare(cfg, log) {
    const p = postgresPaths(cfg);
    fs.mkdirSync(p.home, { recursive: true });
    const dataMajor = Number(readText(path.join(p.data, 'PG_VERSION'))) || 0;
    const install = await postgresInstall(cfg, log, dataMajor, p.data);
    const runAs = pgRunAs();
    for (const dir of [p.data, p.sockets]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (runAs.user) fs.chownSync(dir, runAs.user.uid, runAs.user.gid);
    }
    if (runAs.user) {
      const [cmd, ...args] = [...runAs.prefix, 'test', '-w', p.data];
      if (spawnSync(cmd, args, { stdio: 'ignore' }).status !== 0) {
        throw new InfraError(
          `infra: PostgreSQL runs as the ${PG_USER} user (we are root), which cannot write ${p.data}: ` +
            'a parent folder is not searchable by others; point INFRA_CACHE_DIR elsewhere, e.g. /tmp/infra',
        );
      }
    }
    // after a crash: postgres takes a postmaster that is dead but not yet reaped for a running one
    for (const lock of [path.join(p.data, 'postmaster.pid'), path.join(p.sockets, `.s.PGSQL.${cfg.ports.postgres}.lock`)]) {
      const lockPid = Number(readText(lock).split('\n')[0]);
      if (lockPid && zombie(lockPid)) fs.rmSync(lock, { force: true });
    }
    if (!dataMajor) {
      const logFile = path.join(cfg.logs, 'postgres-initdb.log');
      log(`postgres: creating a PostgreSQL ${install.major} cluster (initdb, first run only) in ${rel(p.data)}`, true);
      const [cmd, ...args] = [...runAs.prefix, path.join(install.bin, 'initdb')];
      await run(cmd, [...args, '-D', p.data, '-U', PG_USER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'], {
        cwd: p.home,
        logFile,
      });
    }
    // a Unix socket path longer than 107 bytes is fatal; TCP is all we use, so then none
    const sockets = Buffer.byteLength(path.join(p.sockets, `.s.PGSQL.${cfg.ports.postgres}.lock`)) < 100 ? p.sockets : '';
    const settings = {
      listen_addresses: HOST,
      // two FerretDBs (tests on both backends, the benchmark) with FERRETDB_PG_POOL connections each
      max_connections: '600',
      // a throwaway test database: durability off
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
    };
    const [cmd, ...args] = [...runAs.prefix, path.join(install.bin, 'postgres')];
    return {
      cmd,
      args: [
        ...args,
        '-D',
        p.data,
        '-p',
        String(cfg.ports.postgres),
        '-k',
        sockets,
        ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      ],
      cwd: p.home,
      marker: p.data,
    };
  },
  afterReady: (cfg, log) => ensureFerretDbDatabase(cfg, log),
};

// ---------------------------------------------------------------------------------------------
// FerretDB

/**
 * The storage a running FerretDB uses ('postgresql', 'sqlite', ...), from its command line (pid from
 * our record, else from serverStatus); 'not FerretDB' for a real mongod; null when unknown.
 */
async function runningFerretDbBackend(cfg, rec) {
  let pid = rec?.pid;
  if (!pid) {
    const reply = await mongoCommand(cfg.ports.mongo, 'serverStatus');
    if (!reply) return null;
    if (reply.indexOf(Buffer.from('ferretdbVersion\0')) < 0) return 'not FerretDB';
    const at = reply.indexOf(Buffer.from('\x12pid\0', 'latin1'));
    if (at < 0) return null;
    pid = Number(reply.readBigInt64LE(at + 5));
  }
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!/ferretdb/i.test(path.basename(argv[0] ?? ''))) return null; // another pid namespace (a container)
    for (let i = 1; i < argv.length; i++) {
      if (argv[i].startsWith('--handler=')) return argv[i].slice('--handler='.length);
      if (argv[i] === '--handler') return argv[i + 1] ?? null;
    }
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const fromEnv = env.find((e) => e.startsWith('FERRETDB_HANDLER='));
    return fromEnv ? fromEnv.slice('FERRETDB_HANDLER='.length) : 'postgresql'; // FerretDB's default
  } catch {
    return null;
  }
}

/** "FerretDB on PostgreSQL", plus (hint) a note when FERRETDB_BACKEND asks for another one */
function describeFerretDb(cfg, backend, { hint = true } = {}) {
  const wanted = FERRETDB_BACKENDS[cfg.ferretdbBackend];
  if (!backend) return `FerretDB on ${wanted}`;
  if (backend === 'not FerretDB') return 'not FerretDB (a real MongoDB?)';
  const name = FERRETDB_BACKENDS[backend] ?? backend;
  if (backend === cfg.ferretdbBackend || !hint) return `FerretDB on ${name}`;
  return `FerretDB on ${name}; FERRETDB_BACKEND=${cfg.ferretdbBackend} applies after \`down mongodb\` + \`up\``;
}

async function buildFerretDb(cfg, log) {
  const bin = path.join(cfg.bin, 'ferretdb');
  const stamp = `${bin}.version`;
  if (fs.existsSync(bin) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === FERRETDB_VERSION) {
    return bin;
  }
  requireTool('go');
  const logFile = path.join(cfg.logs, 'ferretdb-build.log');
  log(`mongodb: building FerretDB ${FERRETDB_VERSION} with go (first run only, a few minutes) -> ${rel(bin)}`, true);
  const started = Date.now();
  // `go install ...@v1.24.2` is refused by the module proxy (its version list is not served), and a
  // binary built as a dependency panics at start: build/version/version.txt is generated at release
  // time and is not in the module zip. So: download the module, copy it, add version.txt, build.
  const json = await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    cwd: cfg.build,
    env: goEnv(),
    logFile,
    captureStdout: true,
  });
  const dir = JSON.parse(json).Dir;
  if (!dir || !fs.existsSync(dir)) throw new InfraError(`infra: go mod download gave no source dir; see ${rel(logFile)}`);
  const src = path.join(cfg.build, `ferretdb-${FERRETDB_VERSION}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.cpSync(dir, src, { recursive: true });
  makeWritable(src);
  fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  fs.writeFileSync(path.join(src, 'build', 'version', 'package.txt'), 'infra.mjs\n');
  const tmp = `${bin}.tmp`;
  await run('go', ['build', '-o', tmp, './cmd/ferretdb'], { cwd: src, env: goEnv(), logFile });
  fs.renameSync(tmp, bin);
  fs.writeFileSync(stamp, `${FERRETDB_VERSION}\n`);
  fs.rmSync(src, { recursive: true, force: true });
  log(`mongodb: FerretDB built in ${fmtSecs(Date.now() - started)}`);
  return bin;
}

const mongodb = {
  name: 'mongodb',
  after: (cfg) => (cfg.ferretdbBackend === 'postgresql' ? ['postgres'] : []),
  tools: (cfg) => (fs.existsSync(path.join(cfg.bin, 'ferretdb.version')) ? [] : ['go']),
  timeoutMs: 60_000,
  ports: (cfg) => [cfg.ports.mongo],
  endpoint: (cfg) => `mongodb://${HOST}:${cfg.ports.mongo}`,
  ready: (cfg) => mongoAnswers(cfg.ports.mongo),
  describe: async (cfg, rec) => describeFerretDb(cfg, await runningFerretDbBackend(cfg, rec)),
  async afterReady(cfg, log, { state, pid }) {
    const backend = await runningFerretDbBackend(cfg, pid ? { pid } : null);
    if (state !== 'started' && backend && backend !== cfg.ferretdbBackend) {
      log(`mongodb: note: ${describeFerretDb(cfg, backend)}`, true);
    }
    return describeFerretDb(cfg, backend, { hint: false });
  },
  async prepare(cfg, log) {
    const bin = await buildFerretDb(cfg, log);
    const home = path.join(cfg.cache, 'ferretdb');
    const state = path.join(home, 'state');
    fs.mkdirSync(state, { recursive: true });
    let storage;
    if (cfg.ferretdbBackend === 'postgresql') {
      // FerretDB v1's update keeps each statement's read (one pooled connection) open until the
      // command ends, and takes one more connection per statement for its write: when the pool
      // runs out, it waits for good (seen here: its default pool of 50; a 500-statement bulk
      // update). Our commands carry at most 20 update statements (the relay's acknowledgements)
      // and clients open at most 5 x MONGO_MAX_POOL_SIZE (20) connections: at most about 2 x 110
      // + 20 connections wanted at once, below this pool.
      storage = ['--handler=postgresql', `--postgresql-url=${postgresUrl(cfg)}?pool_max_conns=${FERRETDB_PG_POOL}`];
    } else {
      const data = path.join(home, 'data');
      fs.mkdirSync(data, { recursive: true });
      storage = ['--handler=sqlite', `--sqlite-url=file:${data}/`];
    }
    return {
      cmd: bin,
      args: [
        ...storage,
        `--listen-addr=${HOST}:${cfg.ports.mongo}`,
        `--state-dir=${state}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
      ],
      cwd: home,
      marker: bin,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Mailpit

async function buildMailpit(cfg, log) {
  const bin = path.join(cfg.bin, 'mailpit');
  const stamp = `${bin}.version`;
  const built = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
  if (fs.existsSync(bin) && built.startsWith(`${MAILPIT_VERSION}+`)) return bin;
  requireTool('go');
  const logFile = path.join(cfg.logs, 'mailpit-build.log');
  log(`mail: building Mailpit ${MAILPIT_VERSION} with go (first run only, a few minutes) -> ${rel(bin)}`, true);
  const started = Date.now();
  const env = { ...goEnv(), CGO_ENABLED: '0' };
  const json = await run('go', ['mod', 'download', '-json', `${MAILPIT_MODULE}@${MAILPIT_VERSION}`], {
    cwd: cfg.build,
    env,
    logFile,
    captureStdout: true,
  });
  const dir = JSON.parse(json).Dir;
  if (!dir || !fs.existsSync(dir)) throw new InfraError(`infra: go mod download gave no source dir; see ${rel(logFile)}`);
  const src = path.join(cfg.build, `mailpit-${MAILPIT_VERSION}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.cpSync(dir, src, { recursive: true });
  makeWritable(src);
  // The module zip lacks the web UI bundle (server/ui/dist, built by esbuild at release time).
  // Build it from the module's own package-lock; without it the API still works, the UI page is blank.
  let flavour = 'api-only';
  try {
    await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: src, logFile });
    await run(process.execPath, ['esbuild.config.mjs'], { cwd: src, env: { MINIFY: 'true' }, logFile });
    flavour = 'ui';
  } catch {
    log(`mail: could not bundle the Mailpit web UI (npm); the HTTP API works, the UI page will be blank. See ${rel(logFile)}`, true);
  }
  const tmp = `${bin}.tmp`;
  const ldflags = `-s -w -X ${MAILPIT_MODULE}/config.Version=${MAILPIT_VERSION}`;
  await run('go', ['build', `-ldflags=${ldflags}`, '-o', tmp, '.'], { cwd: src, env, logFile });
  fs.renameSync(tmp, bin);
  fs.writeFileSync(stamp, `${MAILPIT_VERSION}+${flavour}\n`);
  fs.rmSync(src, { recursive: true, force: true });
  log(`mail: Mailpit built in ${fmtSecs(Date.now() - started)}${flavour === 'ui' ? ' (with web UI)' : ''}`);
  return bin;
}

const mail = {
  name: 'mail',
  tools: (cfg) => (/\+/.test(readText(path.join(cfg.bin, 'mailpit.version'))) ? [] : ['go']),
  timeoutMs: 60_000,
  ports: (cfg) => [cfg.ports.smtp, cfg.ports.mailHttp],
  endpoint: (cfg) => `smtp ${HOST}:${cfg.ports.smtp}, mail UI/API http://${HOST}:${cfg.ports.mailHttp}`,
  ready: async (cfg) =>
    (await httpOk(`http://${HOST}:${cfg.ports.mailHttp}/readyz`)) && (await smtpAnswers(cfg.ports.smtp)),
  async prepare(cfg, log) {
    const bin = await buildMailpit(cfg, log);
    const home = path.join(cfg.cache, 'mailpit');
    fs.mkdirSync(home, { recursive: true });
    return {
      cmd: bin,
      args: [
        '--smtp',
        `${HOST}:${cfg.ports.smtp}`,
        '--listen',
        `${HOST}:${cfg.ports.mailHttp}`,
        '--database',
        path.join(home, 'mailpit.db'),
        '--max',
        '0', // keep every message (default prunes beyond 500)
        '--smtp-disable-rdns',
        '--disable-version-check',
      ],
      cwd: home,
      marker: bin,
    };
  },
};

// `up` starts a server after the ones its `after` names (and brings them along); the others start
// in parallel. A server whose `enabled` says no (postgres with FERRETDB_BACKEND=sqlite) is not started.
const SERVERS = [kafka, postgres, mongodb, mail];

const enabled = (server, cfg) => server.enabled?.(cfg) ?? true;

/**
 * options.only: server names (kafka, postgres, mongodb, mail); default all that are enabled.
 * For `up`, plus what they need to start after; for `down` and `status`, plus a disabled server
 * that `up` started earlier (so switching FERRETDB_BACKEND does not strand a running postgres).
 */
function selected(options, cfg, command) {
  const only = options.only ?? [];
  const unknown = only.filter((n) => !SERVERS.some((s) => s.name === n));
  if (unknown.length) {
    throw new InfraError(`infra: unknown server ${unknown.join(', ')} (known: ${SERVERS.map((s) => s.name).join(', ')})`);
  }
  if (command === 'up') {
    const off = SERVERS.filter((s) => only.includes(s.name) && !enabled(s, cfg));
    if (off.length) {
      throw new InfraError(
        `infra: ${off.map((s) => s.name).join(', ')} not used with FERRETDB_BACKEND=${cfg.ferretdbBackend}`,
      );
    }
    const names = new Set(only.length ? only : SERVERS.map((s) => s.name));
    for (const s of SERVERS) if (names.has(s.name)) for (const n of s.after?.(cfg) ?? []) names.add(n);
    return SERVERS.filter((s) => names.has(s.name) && enabled(s, cfg));
  }
  if (only.length) return SERVERS.filter((s) => only.includes(s.name));
  return SERVERS.filter((s) => enabled(s, cfg) || ownedProcess(cfg, s.name));
}

// ---------------------------------------------------------------------------------------------
// up / down / status

async function waitReady(server, cfg, { timeoutMs, child, logFile }) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  const onExit = (code, signal) => {
    exited = signal ?? `exit ${code}`;
  };
  child?.once('exit', onExit);
  try {
    for (;;) {
      if (exited) {
        throw new InfraError(
          `infra: ${server.name} stopped while starting (${exited}); see ${rel(logFile)}\n${tail(logFile, 20)}`,
        );
      }
      if (await server.ready(cfg, { logFile: child ? logFile : undefined })) return;
      if (Date.now() > deadline) {
        const where = logFile ? `; see ${rel(logFile)}\n${tail(logFile, 20)}` : '';
        throw new InfraError(
          `infra: ${server.name} did not answer on ${server.ports(cfg).join('/')} within ` +
            `${fmtSecs(timeoutMs)}${where}`,
        );
      }
      await delay(POLL_MS);
    }
  } finally {
    child?.off('exit', onExit);
  }
}

async function ensure(server, cfg, log) {
  const started = Date.now();
  const timeoutMs = cfg.startTimeout ?? server.timeoutMs;
  const logFile = path.join(cfg.logs, `${server.name}.log`);
  const [mainPort, ...otherPorts] = server.ports(cfg);
  const owned = ownedProcess(cfg, server.name);

  if (await listening(mainPort)) {
    try {
      await waitReady(server, cfg, { timeoutMs });
    } catch (err) {
      if (owned) throw err;
      throw new InfraError(
        `infra: port ${mainPort} is taken by a process that does not answer as ${server.name} ` +
          `(not started by infra.mjs); stop it or choose another port (see the *_PORT variables)`,
      );
    }
    const how = owned ? `started earlier by infra.mjs, pid ${owned.pid}` : 'not ours';
    log(`${server.name}: reusing the server on port ${mainPort} (${how})`);
    const state = owned ? 'owned' : 'reused';
    const detail = await server.afterReady?.(cfg, log, { state, pid: owned?.pid });
    return { name: server.name, state, pid: owned?.pid, detail };
  }

  if (owned) {
    // ours, but not listening: a start interrupted earlier, or hung. Replace it.
    log(`${server.name}: pid ${owned.pid} is not answering; restarting it`);
    await stopProcess(owned, { timeoutMs: 10_000, stop: server.stop });
  }
  fs.rmSync(pidFile(cfg, server.name), { force: true });

  for (const port of otherPorts) {
    if (await listening(port)) {
      throw new InfraError(
        `infra: cannot start ${server.name}: port ${port} is already used by another process (see the *_PORT variables)`,
      );
    }
  }
  const spec = await server.prepare(cfg, log);
  if (fs.existsSync(logFile)) fs.renameSync(logFile, `${logFile}.1`);
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(spec.cmd, spec.args, {
    cwd: spec.cwd,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: process.env,
  });
  fs.closeSync(fd);
  const spawnError = new Promise((_, reject) =>
    child.once('error', (err) => reject(new InfraError(`infra: could not start ${server.name}: ${err.message}`))),
  );
  spawnError.catch(() => {});
  if (!child.pid) await spawnError;
  child.unref();
  fs.writeFileSync(
    pidFile(cfg, server.name),
    JSON.stringify({ pid: child.pid, marker: spec.marker, ports: server.ports(cfg), startedAt: new Date().toISOString() }) +
      '\n',
  );
  log(`${server.name}: started pid ${child.pid}, waiting until it answers (log ${rel(logFile)})`);
  try {
    await Promise.race([waitReady(server, cfg, { timeoutMs, child, logFile }), spawnError]);
  } catch (err) {
    if (alive(child.pid)) await stopProcess({ pid: child.pid }, { timeoutMs: 5000, stop: server.stop });
    fs.rmSync(pidFile(cfg, server.name), { force: true });
    throw err;
  }
  log(`${server.name}: ready in ${fmtSecs(Date.now() - started)}`);
  const detail = await server.afterReady?.(cfg, log, { state: 'started', pid: child.pid });
  return { name: server.name, state: 'owned', pid: child.pid, detail };
}

/** options.log wins; options.quiet keeps only first-run notices (fetch, build, format, waiting). */
function logger(options) {
  if (options.log) return options.log;
  return (line, important = false) => {
    if (!options.quiet || important) console.log(line);
  };
}

/**
 * @typedef {{brokers: string[], mechanisms: string[], username: string, password: string}} KafkaSaslEndpoint
 */

/**
 * Start the missing servers, reuse the running ones, resolve when all answer.
 * @param {{ log?: (line: string, important?: boolean) => void, quiet?: boolean, only?: string[] }} [options]
 * @returns {Promise<{kafka: {brokers: string[], sasl: KafkaSaslEndpoint, saslSsl: KafkaSaslEndpoint & {caFile: string}}, mongodb: {url: string, backend: 'postgresql' | 'sqlite'}, postgres?: {url: string}, smtp: {host: string, port: number}, mail: {url: string}}>}
 */
export async function up(options = {}) {
  const log = logger(options);
  const cfg = config();
  mkdirs(cfg);
  const t0 = Date.now();
  const servers = selected(options, cfg, 'up');
  const details = {};
  await withLock(cfg, log, async () => {
    // preflight: every tool the missing servers need, reported together in one line
    const needed = [];
    for (const s of servers) if (!(await listening(s.ports(cfg)[0]))) needed.push(...s.tools(cfg));
    requireTools(needed);
    // in parallel, except that a server waits for the ones it starts after (mongodb after postgres)
    const tasks = new Map();
    for (const s of servers) {
      const deps = (s.after?.(cfg) ?? []).filter((n) => tasks.has(n));
      const task = (async () => {
        for (const d of deps) {
          try {
            await tasks.get(d);
          } catch {
            throw new InfraError(`infra: ${s.name} not started: it needs ${d}, which did not start`);
          }
        }
        const r = await ensure(s, cfg, log);
        if (r.detail) details[s.name] = r.detail;
        return r;
      })();
      tasks.set(s.name, task);
    }
    const results = await Promise.allSettled(tasks.values());
    const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    if (failures.length) {
      const messages = [...new Set(failures.map((e) => e.message ?? String(e)))];
      throw new InfraError(messages.join('\n'));
    }
  });
  const e = endpoints(cfg);
  log(`infra: ${(options.only ?? []).length ? servers.map((x) => x.name).join(', ') : 'all servers'} up in ${fmtSecs(Date.now() - t0)}`);
  const names = new Set(servers.map((s) => s.name));
  if (names.has('kafka')) {
    log(`  kafka    ${e.kafka.brokers.join(',')}  (SASL_PLAINTEXT ${e.kafka.sasl.brokers.join(',')}, SASL_SSL ${e.kafka.saslSsl.brokers.join(',')}, CA ${rel(e.kafka.saslSsl.caFile)})`);
  }
  if (names.has('postgres')) log(`  postgres ${e.postgres.url}`);
  if (names.has('mongodb')) log(`  mongodb  ${e.mongodb.url}  (${details.mongodb ?? describeFerretDb(cfg, null)})`);
  if (names.has('mail')) log(`  smtp     ${e.smtp.host}:${e.smtp.port}`);
  if (names.has('mail')) log(`  mail UI  ${e.mail.url}  (API ${e.mail.url}/api/v1/messages)`);
  return e;
}

/**
 * Stop the servers this script started (pid records); servers it did not start keep running.
 * @param {{ log?: (line: string, important?: boolean) => void, quiet?: boolean, only?: string[] }} [options]
 */
export async function down(options = {}) {
  const log = logger(options);
  const cfg = config();
  mkdirs(cfg);
  const stopped = [];
  await withLock(cfg, log, async () => {
    await Promise.all(
      selected(options, cfg, 'down')
        .slice()
        .reverse()
        .map(async (server) => {
          const rec = ownedProcess(cfg, server.name);
          if (rec) {
            const how = await stopProcess(rec, {
              timeoutMs: server.name === 'kafka' ? 60_000 : 15_000,
              stop: server.stop,
            });
            log(`${server.name}: ${how} (pid ${rec.pid})`);
            stopped.push(server.name);
          } else if (await listening(server.ports(cfg)[0])) {
            log(`${server.name}: left running (not started by infra.mjs)`);
          } else {
            log(`${server.name}: not running`);
          }
          fs.rmSync(pidFile(cfg, server.name), { force: true });
        }),
    );
  });
  return stopped;
}

/**
 * Each server: up/down, pid, owned (started by `up`) or reused (someone else's).
 * @param {{ log?: (line: string, important?: boolean) => void, quiet?: boolean, only?: string[] }} [options]
 */
export async function status(options = {}) {
  const log = logger(options);
  const cfg = config();
  const rows = await Promise.all(
    selected(options, cfg, 'status').map(async (server) => {
      const rec = ownedProcess(cfg, server.name);
      const isUp = await server.ready(cfg);
      const isListening = isUp || (await listening(server.ports(cfg)[0]));
      const state = isUp ? 'up' : isListening ? 'not answering' : 'down';
      const owner = rec ? 'owned' : isListening ? 'reused' : '-';
      let detail = server.describe ? await server.describe(cfg, isUp ? rec : null) : '';
      if (!isUp && server.describe) detail = `${detail} when started`;
      if (!enabled(server, cfg)) detail = `not used with FERRETDB_BACKEND=${cfg.ferretdbBackend}`;
      return { name: server.name, state, pid: rec?.pid ?? null, owner, endpoint: server.endpoint(cfg), detail };
    }),
  );
  for (const r of rows) {
    const detail = r.detail ? `  (${r.detail})` : '';
    log(`${r.name.padEnd(8)} ${r.state.padEnd(14)} ${(r.pid ? `pid ${r.pid}` : '-').padEnd(10)} ${r.owner.padEnd(7)} ${r.endpoint}${detail}`);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// CLI

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (isMain) {
  const [command, ...only] = process.argv.slice(2);
  const commands = { up, down, status };
  if (!commands[command]) {
    console.error('usage: node scripts/infra.mjs up|down|status [kafka|postgres|mongodb|mail ...]');
    process.exit(2);
  }
  commands[command]({ only }).then(
    () => {},
    (err) => {
      console.error(err instanceof InfraError ? err.message : err);
      process.exit(1);
    },
  );
}
