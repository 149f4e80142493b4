// FerretDB on the backend a run does not use (SQLite when the default, PostgreSQL, is in use, and
// the other way round), on a port and cache folder of its own that share the main cache's built
// servers and Kafka's TLS files. `npm test` runs the integration tests again on it; `npm run
// bench` compares the two backends under concurrency. Start it with
// `node scripts/infra.mjs up <servers>` in `env` (infra.mjs reads its settings from the environment).
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_FERRETDB_BACKEND } from './infra.mjs';

/** OTHER_BACKEND_MONGO_PORT (27018) and OTHER_BACKEND_POSTGRES_PORT (5434) choose its ports. */
export function otherBackend(root, env = process.env) {
  const main = env.FERRETDB_BACKEND?.trim().toLowerCase() || DEFAULT_FERRETDB_BACKEND;
  const other = main === 'postgresql' ? 'sqlite' : 'postgresql';
  const port = env.OTHER_BACKEND_MONGO_PORT || '27018';
  const cache = path.join(root, '.cache', `infra-${other}`);
  const mainBin = path.resolve(env.INFRA_CACHE_DIR || path.join(root, '.cache', 'infra'), 'bin');
  fs.mkdirSync(cache, { recursive: true });
  if (!fs.existsSync(path.join(cache, 'bin'))) fs.symlinkSync(mainBin, path.join(cache, 'bin'));
  // Kafka is the main run's (reused): its CA file, which the SASL_SSL tests read, is in the main cache.
  fs.mkdirSync(path.join(cache, 'kafka'), { recursive: true });
  const mainTls = path.resolve(mainBin, '..', 'kafka', 'tls');
  if (!fs.existsSync(path.join(cache, 'kafka', 'tls'))) fs.symlinkSync(mainTls, path.join(cache, 'kafka', 'tls'));
  return {
    defaultBackend: DEFAULT_FERRETDB_BACKEND,
    main,
    other,
    /** What infra.mjs must start for it: FerretDB, and PostgreSQL under it when that is the backend. */
    servers: other === 'postgresql' ? ['postgres', 'mongodb'] : ['mongodb'],
    env: {
      FERRETDB_BACKEND: other,
      MONGO_PORT: port,
      POSTGRES_PORT: env.OTHER_BACKEND_POSTGRES_PORT || '5434',
      INFRA_CACHE_DIR: cache,
      MONGO_URL: `mongodb://127.0.0.1:${port}`,
    },
  };
}
