// The memory baseline: a separate Node process serving one module on its own loopback port, the way it
// would run without nodeark (plain http server + the same fetch adapter the direct handlers use).
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadModule, serveFetch } from './fetch-adapter.mjs';

const [dir, kind] = process.argv.slice(2);
const def = await loadModule(pathToFileURL(join(dir, 'index.mjs')).href);
const ctx = { bizName: 'standalone', bizVersion: '0.0.0', webContextPath: '', args: [], env: {}, logger: console, signal: new AbortController().signal };
await def.start?.(ctx);
const server =
  kind === 'node'
    ? createServer((req, res) => Reflect.apply(def.handler, def, [req, res]))
    : createServer((req, res) => void serveFetch(def.fetch.bind(def), ctx, req, res, req.url));
if (typeof def.upgrade === 'function') server.on('upgrade', (req, socket, head) => def.upgrade(req, socket, head));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
process.send({ t: 'listening', url: `http://127.0.0.1:${server.address().port}` });
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
