import { execFileSync } from 'node:child_process';
import { round } from './processes.js';

/**
 * Rows PostgreSQL read for one of FerretDB's databases (a schema of its `ferretdb` database), from
 * `pg_stat_user_tables`: by sequential scans, and fetched through indexes. It shows how the store
 * runs our queries, which FerretDB's `explain` cannot: a lookup that FerretDB pushes down still
 * reads the whole table when PostgreSQL runs it as a sequential scan (docs/performance.md,
 * "Planner settings"). Null when there is no PostgreSQL to ask (MongoDB, FerretDB on SQLite, no
 * `psql` on the PATH). Read with `psql` (the server's own client; Debian's package puts it on the
 * PATH) rather than a driver the product does not otherwise need.
 */
export interface PostgresRowsRead {
  sequential: number;
  by_index: number;
}

function readOnce(schema: string): PostgresRowsRead | null {
  const port = process.env.POSTGRES_PORT ?? '5433';
  const sql = `SELECT count(*) || ' ' || coalesce(sum(seq_tup_read), 0) || ' ' || coalesce(sum(idx_tup_fetch), 0) FROM pg_stat_user_tables WHERE schemaname = '${schema}'`;
  try {
    const out = execFileSync('psql', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-d', 'ferretdb', '-XAtc', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    const [tables, sequential, byIndex] = out.trim().split(' ').map(Number);
    // No table of that name: the run's store is not this PostgreSQL (FerretDB on SQLite, MongoDB).
    return tables > 0 && Number.isFinite(sequential) && Number.isFinite(byIndex) ? { sequential, by_index: byIndex } : null;
  } catch {
    return null;
  }
}

/**
 * The figures per claim of a run of `claims`, once they have settled: a PostgreSQL backend reports
 * its counts when it goes idle, at most once a second, so they are read until two readings a
 * second apart agree (at most 10 s).
 */
export async function postgresRowsReadPerClaim(schema: string, claims: number): Promise<PostgresRowsRead | null> {
  const rows = await settledRowsRead(schema);
  return rows && { sequential: round(rows.sequential / claims, 1), by_index: round(rows.by_index / claims, 1) };
}

async function settledRowsRead(schema: string): Promise<PostgresRowsRead | null> {
  if (!/^[a-z0-9_]+$/.test(schema)) throw new Error(`not a FerretDB database name: ${schema}`);
  let last = readOnce(schema);
  for (let attempt = 0; last && attempt < 10; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const next = readOnce(schema);
    if (!next) return last;
    if (next.sequential === last.sequential && next.by_index === last.by_index) return next;
    last = next;
  }
  return last;
}
