import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The five services as separate processes, each started the way production starts it
 * (`node dist/apps/<service>/src/main.js`), with the run's configuration in its environment.
 * An instance can be killed (any signal), stopped (SIGTERM, the graceful stop), started again on
 * the same port, and a second instance of a service can join its consumer group on another port.
 */

export const SERVICES = ['intake', 'review', 'consent', 'eligibility', 'notifications'] as const;
export type Service = (typeof SERVICES)[number];

const PORT_VARIABLE: Record<Service, string> = {
  intake: 'INTAKE_PORT',
  review: 'REVIEW_PORT',
  consent: 'CONSENT_PORT',
  eligibility: 'ELIGIBILITY_PORT',
  notifications: 'NOTIFICATIONS_PORT',
};

export interface Instance {
  service: Service;
  port: number;
  /** 0: the service's main instance; 1: a second one. */
  slot: number;
  child: ChildProcess;
  exited: Promise<number | string>;
}

export class ServiceFleet {
  private readonly running = new Map<string, Instance>();

  constructor(
    private readonly root: string,
    /** Environment of every instance (ports of all five included). */
    private readonly env: Record<string, string>,
    readonly ports: Record<Service, number>,
    private readonly logDir: string,
    private readonly log: (line: string) => void,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  url(service: Service): string {
    return `http://127.0.0.1:${this.ports[service]}`;
  }

  instance(service: Service, slot = 0): Instance | undefined {
    return this.running.get(`${service}#${slot}`);
  }

  /**
   * Starts an instance (slot 1 listens on the port + 10) and waits (up to 5 min) until it answers
   * /health/live, or /health/ready (its consumers joined) when asked.
   */
  async start(service: Service, slot = 0, options: { ready?: boolean; timeoutMs?: number } = {}): Promise<Instance> {
    const key = `${service}#${slot}`;
    if (this.running.has(key)) throw new Error(`${key} is already running`);
    const port = this.ports[service] + slot * 10;
    const file = openSync(path.join(this.logDir, `${service}${slot ? `-${slot}` : ''}.log`), 'a');
    const child = spawn(process.execPath, [path.join(this.root, 'dist', 'apps', service, 'src', 'main.js')], {
      cwd: this.root,
      env: { ...this.env, [PORT_VARIABLE[service]]: String(port) },
      stdio: ['ignore', file, file],
    });
    closeSync(file);
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)));
    const instance: Instance = { service, port, slot, child, exited };
    this.running.set(key, instance);
    void exited.then((how) => {
      if (this.running.get(key) === instance) {
        this.running.delete(key);
        this.log(`${key} (pid ${child.pid}) exited on its own: ${how}`);
      }
    });
    await this.waitAnswering(instance, options.ready ? '/health/ready' : '/health/live', options.timeoutMs ?? 300_000);
    return instance;
  }

  async startAll(): Promise<void> {
    for (const service of SERVICES) await this.start(service);
  }

  /** Sends a signal to an instance; SIGKILL and SIGTERM also wait for the exit (and forget the instance). */
  async signal(service: Service, signal: NodeJS.Signals, slot = 0): Promise<void> {
    const instance = this.instance(service, slot);
    if (!instance) throw new Error(`${service}#${slot} is not running`);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.running.delete(`${service}#${slot}`);
    instance.child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') {
      const timeout = sleep(60_000).then(() => 'timeout' as const);
      if ((await Promise.race([instance.exited, timeout])) === 'timeout') {
        this.log(`${service}#${slot} did not stop within 60 s of ${signal}: killing it`);
        instance.child.kill('SIGKILL');
        await instance.exited;
      }
    }
  }

  kill(service: Service, slot = 0): Promise<void> {
    return this.signal(service, 'SIGKILL', slot);
  }

  /** The graceful stop (SIGTERM): in-flight work finishes, offsets are committed, the group is left. */
  stop(service: Service, slot = 0): Promise<void> {
    return this.signal(service, 'SIGTERM', slot);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((instance) => this.stop(instance.service, instance.slot)));
  }

  /** Last resort on exit: nothing of ours keeps running. */
  killAllNow(): void {
    for (const instance of this.running.values()) instance.child.kill('SIGKILL');
    this.running.clear();
  }

  /** Whether the service's main instance answers /health/ready now (no answer within `timeoutMs`: no). */
  async answersReady(service: Service, timeoutMs: number): Promise<boolean> {
    try {
      return (await fetch(`${this.url(service)}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) })).ok;
    } catch {
      return false;
    }
  }

  /** Waits until every main instance answers /health/ready (consumers joined, store reachable). */
  async waitAllReady(timeoutMs = 180_000): Promise<void> {
    for (const service of SERVICES) {
      const instance = this.instance(service);
      if (instance) await this.waitAnswering(instance, '/health/ready', timeoutMs);
    }
  }

  private async waitAnswering(instance: Instance, path: string, timeoutMs: number): Promise<void> {
    const giveUpAt = Date.now() + timeoutMs;
    let exited: number | string | undefined;
    void instance.exited.then((how) => (exited = how));
    for (;;) {
      if (exited !== undefined) throw new Error(`${instance.service}#${instance.slot} exited while starting (${exited}); see ${this.logDir}`);
      try {
        const response = await fetch(`http://127.0.0.1:${instance.port}${path}`, { signal: AbortSignal.timeout(5_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > giveUpAt) throw new Error(`${instance.service}#${instance.slot} did not answer ${path} within ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  }
}

