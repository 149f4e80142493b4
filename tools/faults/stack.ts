import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The servers the suite breaks: Kafka, PostgreSQL, FerretDB and Mailpit as `scripts/infra.mjs`
 * runs them. The suite uses a stack of its own (its own ports and cache folder, see
 * `stackSettings`), so it never kills servers that a developer's `npm start` or tests use, and it
 * only ever signals processes whose pid record `infra.mjs up` wrote into that cache folder.
 */

export type ServerName = 'kafka' | 'postgres' | 'mongodb' | 'mail';
export type Backend = 'postgresql' | 'sqlite';

export interface StackSettings {
  cacheDir: string;
  ports: { kafka: number; kafkaController: number; kafkaSasl: number; kafkaSaslSsl: number; postgres: number; mongo: number; smtp: number; mailHttp: number };
}

/**
 * The suite's own ports unless the environment names others (the same variables as infra.mjs).
 * All below 32768, outside Linux's range of ports handed to outgoing connections (32768-60999):
 * with 39094 inside it, a starting Kafka once failed to bind because a client connection held
 * that port as its local end (FerretDB alone keeps up to 280 connections to PostgreSQL).
 */
export const FAULT_STACK_PORTS = { kafka: 22092, kafkaController: 22093, kafkaSasl: 22094, kafkaSaslSsl: 22095, postgres: 22433, mongo: 22017, smtp: 22025, mailHttp: 22080 };

export function stackSettings(root: string, env: NodeJS.ProcessEnv): StackSettings {
  const port = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    cacheDir: path.resolve(root, env.INFRA_CACHE_DIR || path.join('.cache', 'infra-faults')),
    ports: {
      kafka: port('KAFKA_PORT', FAULT_STACK_PORTS.kafka),
      kafkaController: port('KAFKA_CONTROLLER_PORT', FAULT_STACK_PORTS.kafkaController),
      kafkaSasl: port('KAFKA_SASL_PORT', FAULT_STACK_PORTS.kafkaSasl),
      kafkaSaslSsl: port('KAFKA_SASL_SSL_PORT', FAULT_STACK_PORTS.kafkaSaslSsl),
      postgres: port('POSTGRES_PORT', FAULT_STACK_PORTS.postgres),
      mongo: port('MONGO_PORT', FAULT_STACK_PORTS.mongo),
      smtp: port('SMTP_PORT', FAULT_STACK_PORTS.smtp),
      mailHttp: port('MAIL_HTTP_PORT', FAULT_STACK_PORTS.mailHttp),
    },
  };
}

interface InfraModule {
  up(options: { only?: string[]; quiet?: boolean; log?: (line: string, important?: boolean) => void }): Promise<unknown>;
  down(options: { only?: string[]; quiet?: boolean; log?: (line: string, important?: boolean) => void }): Promise<string[]>;
  listening(port: number): Promise<boolean>;
}

export class Stack {
  backend: Backend;

  private constructor(
    private readonly infra: InfraModule,
    readonly settings: StackSettings,
    backend: Backend,
    private readonly log: (line: string) => void,
  ) {
    this.backend = backend;
  }

  /**
   * Loads scripts/infra.mjs and points it (through this process's environment, which it reads on
   * every call) at the suite's stack. A fresh cache folder borrows the built servers of the
   * default one (`.cache/infra/bin`, Kafka's jars) when they exist, rather than building them again.
   */
  static async open(root: string, settings: StackSettings, backend: Backend, log: (line: string) => void): Promise<Stack> {
    const defaultCache = path.join(root, '.cache', 'infra');
    mkdirSync(path.join(settings.cacheDir, 'kafka'), { recursive: true });
    for (const part of ['bin', path.join('kafka', 'libs')]) {
      const target = path.join(settings.cacheDir, part);
      const source = path.join(defaultCache, part);
      if (!existsSync(target) && existsSync(source) && path.resolve(source) !== path.resolve(target)) symlinkSync(source, target);
    }
    const stack = new Stack((await import(pathToFileURL(path.join(root, 'scripts', 'infra.mjs')).href)) as InfraModule, settings, backend, log);
    stack.applyEnv();
    return stack;
  }

  /** infra.mjs's own lines: what it starts and stops, first-run notices; not the reuse of running servers. */
  private readonly infraLog = (line: string, important = false) => {
    if (important || /: (started|ready|stopped|killed)\b/.test(line)) this.log(`infra: ${line}`);
  };

  private applyEnv(): void {
    const p = this.settings.ports;
    Object.assign(process.env, {
      INFRA_CACHE_DIR: this.settings.cacheDir,
      KAFKA_PORT: String(p.kafka),
      KAFKA_CONTROLLER_PORT: String(p.kafkaController),
      // The broker's SASL listeners too: the default ones are those of `npm start` and `npm test`.
      KAFKA_SASL_PORT: String(p.kafkaSasl),
      KAFKA_SASL_SSL_PORT: String(p.kafkaSaslSsl),
      POSTGRES_PORT: String(p.postgres),
      MONGO_PORT: String(p.mongo),
      SMTP_PORT: String(p.smtp),
      MAIL_HTTP_PORT: String(p.mailHttp),
      FERRETDB_BACKEND: this.backend,
    });
  }

  get endpoints() {
    const p = this.settings.ports;
    return {
      kafkaBrokers: `127.0.0.1:${p.kafka}`,
      mongoUrl: `mongodb://127.0.0.1:${p.mongo}`,
      smtpPort: p.smtp,
      mailUrl: `http://127.0.0.1:${p.mailHttp}`,
    };
  }

  /** Starts what is not running (every server, or `only`); fails when a port is held by a server the suite did not start. */
  async up(only?: ServerName[]): Promise<void> {
    this.applyEnv();
    await this.infra.up({ only, quiet: true, log: this.infraLog });
    for (const name of only ?? this.servers()) {
      if (!this.pid(name)) {
        throw new Error(
          `${name} on port ${this.portOf(name)} was not started by this suite (no pid record in ${this.settings.cacheDir}/pids): ` +
            'the fault suite only breaks servers it started; free the port or choose other ports (KAFKA_PORT, MONGO_PORT, ...)',
        );
      }
    }
  }

  /** Stops servers the suite started (infra.mjs down: SIGTERM, SIGINT for PostgreSQL, then SIGKILL). */
  async down(only?: ServerName[]): Promise<void> {
    this.applyEnv();
    await this.infra.down({ only, quiet: true, log: this.infraLog });
  }

  /** Switches FerretDB to another backend (its data starts from what that backend held). */
  async useBackend(backend: Backend): Promise<void> {
    if (backend === this.backend) return;
    await this.down(['mongodb']);
    this.backend = backend;
    await this.up(backend === 'postgresql' ? ['postgres', 'mongodb'] : ['mongodb']);
  }

  /** Whether something accepts connections on 127.0.0.1:`port`. */
  listening(port: number): Promise<boolean> {
    return this.infra.listening(port);
  }

  servers(): ServerName[] {
    return this.backend === 'postgresql' ? ['kafka', 'postgres', 'mongodb', 'mail'] : ['kafka', 'mongodb', 'mail'];
  }

  private portOf(name: ServerName): number {
    const p = this.settings.ports;
    return { kafka: p.kafka, postgres: p.postgres, mongodb: p.mongo, mail: p.smtp }[name];
  }

  /** The pid infra.mjs recorded for the server, when that process is alive and still the one it started. */
  pid(name: ServerName): number | undefined {
    try {
      const record = JSON.parse(readFileSync(path.join(this.settings.cacheDir, 'pids', `${name}.json`), 'utf8')) as { pid: number; marker?: string };
      const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
      if (record.marker && !cmdline.includes(record.marker)) return undefined;
      const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
      if (stat[stat.lastIndexOf(')') + 2] === 'Z') return undefined;
      return record.pid;
    } catch {
      return undefined;
    }
  }

  /** Sends a signal to the server's process group (infra.mjs starts each server detached, as a group leader). */
  signal(name: ServerName, signal: NodeJS.Signals): number {
    const pid = this.pid(name);
    if (!pid) throw new Error(`${name} is not running as a server of this suite: nothing to signal`);
    try {
      process.kill(-pid, signal);
    } catch {
      process.kill(pid, signal);
    }
    return pid;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(name: ServerName): Promise<void> {
    const pid = this.signal(name, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}
