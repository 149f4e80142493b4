import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * CPU seconds and peak memory of the processes a run loads: this node process (the five
 * services and the bench) and the servers (FerretDB, PostgreSQL, Kafka, Mailpit), read from
 * /proc (Linux only; elsewhere the figures are left out).
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux we run on). */
const TICKS = 100;

interface Watched {
  name: string;
  pid: number;
  /** PostgreSQL forks a backend per connection: count the postmaster's children too. */
  withChildren: boolean;
}

export interface ProcessFigures {
  pid: number;
  cpu_s: number;
  /** Highest resident set seen while sampling (for PostgreSQL summed over its processes, shared memory counted once). */
  peak_rss_mb: number;
}

function readPidFile(name: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(path.join('.cache', 'infra', 'pids', `${name}.json`), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

function pgrep(pattern: string): number | undefined {
  try {
    const pid = Number(execFileSync('pgrep', ['-o', '-f', pattern], { encoding: 'utf8' }).trim().split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}

/** The servers of `npm run infra` (its pid files), or whatever matches by command line. */
export function findServers(): Watched[] {
  const found: Watched[] = [{ name: 'node', pid: process.pid, withChildren: false }];
  const candidates: Array<[string, string, string, boolean]> = [
    ['ferretdb', 'mongodb', 'ferretdb', false],
    ['postgres', 'postgres', 'postgres -D', true],
    ['kafka', 'kafka', 'kafka.Kafka', false],
    ['mailpit', 'mail', 'mailpit', false],
  ];
  // BENCH_PIDS="ferretdb=1234,..." names servers the pid files do not (e.g. a FerretDB on another port).
  const given = new Map((process.env.BENCH_PIDS ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
  for (const [name, pidFile, pattern, withChildren] of candidates) {
    const fromFile = Number(given.get(name)) || readPidFile(pidFile);
    const pid = fromFile && alive(fromFile) ? fromFile : pgrep(pattern);
    if (pid) found.push({ name, pid, withChildren });
  }
  return found;
}

/** [utime+stime, cutime+cstime] in ticks, and the parent pid. */
function stat(pid: number): { own: number; reaped: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), own: Number(fields[11]) + Number(fields[12]), reaped: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (stat(Number(entry))?.ppid === parent) out.push(Number(entry));
  }
  return out;
}

/** CPU ticks of the process, plus its children (live ones, and the reaped ones the kernel adds to the parent). */
function cpuTicks(watched: Watched): number {
  const own = stat(watched.pid);
  if (!own) return 0;
  if (!watched.withChildren) return own.own;
  return own.own + own.reaped + childrenOf(watched.pid).reduce((sum, child) => sum + (stat(child)?.own ?? 0), 0);
}

/** Resident memory in kB: [private part (anonymous + file), shared memory part]. */
function rssKb(pid: number): [number, number] {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return [field('RssAnon') + field('RssFile'), field('RssShmem')];
  } catch {
    return [0, 0];
  }
}

/** Measures CPU from start() to stop() and samples resident memory every second in between. */
export class ProcessMeter {
  private readonly watched = process.platform === 'linux' ? findServers() : [];
  private readonly startTicks = new Map<string, number>();
  private readonly peakKb = new Map<string, number>();
  private nodeCpuStart = process.cpuUsage();
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.nodeCpuStart = process.cpuUsage();
    for (const w of this.watched) this.startTicks.set(w.name, cpuTicks(w));
    this.sample();
    this.timer = setInterval(() => this.sample(), 1_000);
    this.timer.unref();
  }

  stop(): Record<string, ProcessFigures> {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const out: Record<string, ProcessFigures> = {};
    for (const w of this.watched) {
      const cpu =
        w.name === 'node'
          ? (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(this.nodeCpuStart))
          : (cpuTicks(w) - (this.startTicks.get(w.name) ?? 0)) / TICKS;
      out[w.name] = { pid: w.pid, cpu_s: round(cpu, 1), peak_rss_mb: round((this.peakKb.get(w.name) ?? 0) / 1024, 0) };
    }
    return out;
  }

  private sample(): void {
    for (const w of this.watched) {
      const pids = w.withChildren ? [w.pid, ...childrenOf(w.pid)] : [w.pid];
      // PostgreSQL's backends map the same shared buffers: count the shared part once.
      const parts = pids.map(rssKb);
      const kb = parts.reduce((sum, [own]) => sum + own, 0) + Math.max(0, ...parts.map(([, shared]) => shared));
      this.peakKb.set(w.name, Math.max(this.peakKb.get(w.name) ?? 0, kb));
    }
  }
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** CPU milliseconds a claim, in all and per process. */
export interface CpuPerClaim {
  total: number;
  by_process: Record<string, number>;
}

/** CPU milliseconds a claim of a run of `claims` claims. */
export function cpuMsPerClaim(processes: Record<string, ProcessFigures>, claims: number): CpuPerClaim {
  const byProcess = Object.fromEntries(Object.entries(processes).map(([name, p]) => [name, round((p.cpu_s * 1000) / claims, 1)]));
  const total = Object.values(processes).reduce((sum, p) => sum + p.cpu_s, 0);
  return { total: round((total * 1000) / claims, 1), by_process: byProcess };
}

/** `118 ms (node 37, ferretdb 37, ...)`. */
export function describeCpu({ total, by_process }: CpuPerClaim): string {
  return `${total} ms (${Object.entries(by_process).map(([name, ms]) => `${name} ${ms}`).join(', ')})`;
}
