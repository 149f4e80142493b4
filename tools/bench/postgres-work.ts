import { execFileSync } from 'node:child_process';
import { round } from './processes.js';

/**
 * What PostgreSQL did for one of FerretDB's databases (a schema of its `ferretdb` database), from
 * `pg_stat_user_tables`: rows read by sequential scans and fetched through indexes, scans started
 * (index and sequential) and rows written (inserted, updated, deleted). The rows read show how the
 * store runs our queries, which FerretDB's `explain` cannot: a lookup that FerretDB pushes down
 * still reads the whole table when PostgreSQL runs it as a sequential scan (docs/performance.md,
 * "Planner settings"). Scans and rows written count the statements FerretDB sends for our
 * commands: each `updateOne` is a read and a write, each acknowledgement of a relayed row too, and
 * PostgreSQL's work (and FerretDB's) follows their number more than our commands' (docs/performance.md,
 * "Statements per claim"). Null when there is no PostgreSQL to ask (MongoDB, FerretDB on SQLite, no
 * `psql` on the PATH). Read with `psql` (the server's own client; Debian's package puts it on the
 * PATH) rather than a driver the product does not otherwise need.
 */
export interface PostgresWork {
  sequential: number;
  by_index: number;
  scans: number;
  rows_written: number;
}

function readOnce(schema: string): PostgresWork | null {
  const port = process.env.POSTGRES_PORT ?? '5433';
  const sums = ['seq_tup_read', 'idx_tup_fetch', 'seq_scan + coalesce(idx_scan, 0)', 'n_tup_ins + n_tup_upd + n_tup_del'];
  const sql = `SELECT count(*) || ${sums.map((sum) => `' ' || coalesce(sum(${sum}), 0)`).join(' || ')} FROM pg_stat_user_tables WHERE schemaname = '${schema}'`;
  try {
    const out = execFileSync('psql', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-d', 'ferretdb', '-XAtc', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    const [tables, sequential, byIndex, scans, rowsWritten] = out.trim().split(' ').map(Number);
    // No table of that name: the run's store is not this PostgreSQL (FerretDB on SQLite, MongoDB).
    if (!(tables > 0) || ![sequential, byIndex, scans, rowsWritten].every(Number.isFinite)) return null;
    return { sequential, by_index: byIndex, scans, rows_written: rowsWritten };
  } catch {
    return null;
  }
}

/**
 * The figures per claim of a run of `claims`, once they have settled: a PostgreSQL backend reports
 * its counts when it goes idle, at most once a second, so they are read until two readings a
 * second apart agree (at most 10 s).
 */
export async function postgresWorkPerClaim(schema: string, claims: number): Promise<PostgresWork | null> {
  const work = await settledWork(schema);
  return work && { sequential: round(work.sequential / claims, 1), by_index: round(work.by_index / claims, 1), scans: round(work.scans / claims, 1), rows_written: round(work.rows_written / claims, 1) };
}

/** One line of the report: `postgresql per claim: ...`. */
export function describePostgresWork(work: PostgresWork): string {
  return `rows read ${work.sequential} by sequential scans and ${work.by_index} through indexes; ${work.scans} scans, ${work.rows_written} rows written`;
}

async function settledWork(schema: string): Promise<PostgresWork | null> {
  if (!/^[a-z0-9_]+$/.test(schema)) throw new Error(`not a FerretDB database name: ${schema}`);
  let last = readOnce(schema);
  for (let attempt = 0; last && attempt < 10; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const next = readOnce(schema);
    if (!next) return last;
    if ((Object.keys(next) as Array<keyof PostgresWork>).every((key) => next[key] === last![key])) return next;
    last = next;
  }
  return last;
}
