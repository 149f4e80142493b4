-- GIN twins for FerretDB's indexes, and planner settings, for FerretDB v1 on PostgreSQL.
--
-- FerretDB v1.24 turns every filter it pushes down, `_id` lookups included, into
-- `_jsonb -> 'field' @> value`. Its own indexes are btree indexes on `(_jsonb -> 'field')`, which
-- cannot serve `@>`: without help every find, update and delete by `_id` scans its whole table,
-- and costs grow with the data (measured: 12 ms per lookup by `_id` at 20,000 documents, 1.2 ms
-- with a twin). This file gives each btree index FerretDB creates a GIN (jsonb_path_ops) twin on
-- the same expressions, which PostgreSQL uses for those `@>` filters.
--
-- Idempotent. `scripts/infra.mjs` applies it to FerretDB's database on every `up`; on a
-- PostgreSQL of your own, apply it once as a superuser (event triggers need one):
--   psql -d ferretdb -f infra/postgres/ferretdb-gin-indexes.sql

SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION ferretdb_gin_twin(index_oid oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  idx record;
  columns text[];
BEGIN
  SELECT c.relname AS index_name, n.nspname AS schema_name, t.relname AS table_name, am.amname, i.indnkeyatts
    INTO idx
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_am am ON am.oid = c.relam
   WHERE i.indexrelid = index_oid;
  -- not a btree index (a twin itself: the CREATE INDEX below fires the trigger again)
  IF NOT FOUND OR idx.amname <> 'btree' THEN
    RETURN;
  END IF;
  SELECT array_agg(pg_get_indexdef(index_oid, k, true) ORDER BY k) INTO columns
    FROM generate_series(1, idx.indnkeyatts) AS k;
  -- only FerretDB's indexes: every column an expression on its `_jsonb` column
  IF EXISTS (SELECT 1 FROM unnest(columns) AS col WHERE position('(_jsonb -> ' IN col) <> 1) THEN
    RETURN;
  END IF;
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin (%s)',
    left(idx.index_name, 59) || '_gin',
    idx.schema_name,
    idx.table_name,
    (SELECT string_agg(col || ' jsonb_path_ops', ', ') FROM unnest(columns) AS col)
  );
END
$$;

CREATE OR REPLACE FUNCTION ferretdb_gin_twins_on_create_index() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    PERFORM ferretdb_gin_twin(command.objid);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS ferretdb_gin_twins;
CREATE EVENT TRIGGER ferretdb_gin_twins ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION ferretdb_gin_twins_on_create_index();

-- Indexes created before the trigger existed.
DO $$ BEGIN PERFORM ferretdb_gin_twin(indexrelid) FROM pg_index; END $$;

-- Planner settings for FerretDB's statements, on this database (new connections take them).
--
-- FerretDB prepares every statement with the field name as a parameter (`_jsonb -> $1 @> $2`).
-- After five executions PostgreSQL may switch a prepared statement to its generic plan, where the
-- field is unknown, so no expression index (the twins above included) can serve it: on a table
-- that was small when the plan was chosen, every later lookup by `_id` and every pushed-down
-- equality became a sequential scan that decompresses each row (500-claim benchmark, default
-- setting: the raw driver's write set read 2,547 rows per claim by sequential scans, 13 through
-- indexes). `force_custom_plan` plans each execution with its values, so the indexes serve it.
-- With it alone the planner still chose a sequential scan for the relay's `pending` query now
-- and then, from a stale estimate (autovacuum analyzed the table while many rows were pending),
-- and its cost model does not count decompressing each row. `random_page_cost` 1.1 (storage with
-- cheap random reads, as SSDs and page caches are) and `enable_seqscan` off (a sequential scan
-- only where no index serves the filter) make the indexes, which every hot query has
-- (test/integration/hot-queries.test.ts), the plan. docs/operations.md and docs/performance.md.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
  EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
  EXECUTE format('ALTER DATABASE %I SET enable_seqscan = off', current_database());
END
$$;
