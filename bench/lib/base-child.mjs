// A nodeark base in its own process, driven by the bench over IPC (so the load generator, the base and
// its module workers never share one event loop). By default the real `createBase()` from `nodeark`
// (module traffic is relayed before fastify); `kind: 'runtime'` is a bare BizRuntime behind
// http.createServer with the same dispatch (the connection relay unless `relay: false`).
//
// "Direct" handlers: the bench fixtures loaded into the base process itself and served there on a plain
// node:http server of their own (`directUrl`), so an A/B run differs by the hop into the worker.
import { createServer } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { serveFetch, loadModule } from './fetch-adapter.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');
const BARE_WORKER = new URL('./bare-worker.mjs', import.meta.url);

/* ------------------------------------------------------------------------------ direct handlers */
const direct = new Map();
for (const d of opts.direct ?? []) {
  const def = await loadModule(pathToFileURL(join(d.dir, 'index.mjs')).href);
  const ctx = Object.freeze({ bizName: d.prefix, bizVersion: '0.0.0', webContextPath: d.prefix, args: [], env: {}, logger: console, signal: new AbortController().signal });
  if (d.kind === 'fetch') {
    const f = def.fetch.bind(def);
    direct.set(d.prefix, (req, res, rest) => void serveFetch(f, ctx, req, res, rest));
  } else {
    const h = def.handler.bind(def);
    direct.set(d.prefix, (req, res, rest) => {
      req.url = rest;
      h(req, res);
    });
  }
}

/** Same prefix split as BizRuntime.handle. */
function handleDirect(req, res) {
  if (direct.size === 0) return false;
  const url = req.url;
  let end = 1;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 || c === 63) break;
    end++;
  }
  const h = direct.get(url.slice(1, end));
  if (!h) return false;
  let rest = url.slice(end);
  if (rest.length === 0 || rest.charCodeAt(0) === 63) rest = `/${rest}`;
  h(req, res, rest);
  return true;
}

/* ----------------------------------------------------------------------------------------- base */
let runtime;
let url;
let baseKind = opts.kind ?? 'createBase';
let closeBase;
const extras = {};

async function startCreateBase() {
  const { createBase } = await import('nodeark');
  const base = await createBase({
    env: {},
    config: {
      'server.port': 0,
      'server.address': '127.0.0.1',
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'nodeark.store.dir': opts.store,
      'logging.level.root': 'warn',
      'nodeark.biz.log-level': 'warn',
      'management.endpoint.health.show-details': 'always',
      ...(opts.config ?? {}),
    },
  });
  const { url: u, arkletUrl } = await base.listen();
  runtime = base.runtime;
  url = u;
  extras.arkletUrl = arkletUrl;
  closeBase = () => base.close();
}

async function startRuntimeBase() {
  // `runtimeModule`: another build of @nodeark/runtime (bench/compare.mjs measures two builds A/B).
  const { BizRuntime } = await import(opts.runtimeModule ? pathToFileURL(opts.runtimeModule).href : '@nodeark/runtime');
  runtime = new BizRuntime({ storeDir: opts.store, moduleLogLevel: 'warn', ...(opts.runtimeOptions ?? {}) });
  const server = createServer((req, res) => {
    if (handleDirect(req, res)) return;
    if (!runtime.handle(req, res)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"code":"NODEARK_ERR_ROUTE_NOT_FOUND"}');
    }
  });
  server.keepAliveTimeout = 72_000;
  // The connection relay in front, as createBase puts it (`relay: false` leaves it out; builds from before
  // it have none).
  if (opts.relay !== false && typeof runtime.relayConnections === 'function') runtime.relayConnections(server);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}`;
  closeBase = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await runtime.close();
  };
}

if (baseKind === 'createBase') {
  try {
    await startCreateBase();
  } catch (err) {
    baseKind = `runtime (createBase failed: ${String(err?.message ?? err).split('\n')[0]})`;
    await startRuntimeBase();
  }
} else {
  await startRuntimeBase();
}

/* ------------------------------------------------------------------------------- instrumentation */
// When each module reached `resolved` (bundle staged and registered): splits install time in two.
const resolvedAt = new Map();
runtime.on('transition', (e) => {
  if (e.to === 'resolved') resolvedAt.set(e.identity, performance.now());
});

function bareSpawn() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const w = new Worker(BARE_WORKER);
    w.once('message', () => {
      const ms = performance.now() - t0;
      w.terminate().then(() => resolve(ms), reject);
    });
    w.once('error', reject);
  });
}

let eld;
const commands = {
  async install(args) {
    const t0 = performance.now();
    const r = await runtime.install(args);
    const ms = performance.now() - t0;
    const id = r.biz?.identity;
    const staged = id && resolvedAt.has(id) ? resolvedAt.get(id) - t0 : NaN;
    if (id) resolvedAt.delete(id);
    return { code: r.code, message: r.message, ms, stageMs: staged, identity: id, state: r.biz?.bizState };
  },
  async uninstall({ bizName, bizVersion }) {
    const t0 = performance.now();
    const r = await runtime.uninstall(bizName, bizVersion);
    return { code: r.code, message: r.message, ms: performance.now() - t0 };
  },
  async switch({ bizName, bizVersion }) {
    const t0 = performance.now();
    const r = await runtime.switchBiz(bizName, bizVersion);
    return { code: r.code, message: r.message, ms: performance.now() - t0 };
  },
  async list() {
    return runtime.list().map((b) => ({ identity: b.identity, state: b.bizState, path: b.webContextPath }));
  },
  async bareSpawn() {
    return bareSpawn();
  },
  async gc() {
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
      globalThis.gc();
    }
    return true;
  },
  async mem() {
    return process.memoryUsage();
  },
  async queryAll() {
    const t0 = performance.now();
    const list = runtime.list();
    JSON.stringify(list);
    return performance.now() - t0;
  },
  async health({ identity }) {
    const t0 = performance.now();
    await runtime.health(identity);
    return performance.now() - t0;
  },
  // Event-loop delay of the base's main thread between eldStart and eldStop (ms).
  async eldStart() {
    eld?.disable();
    eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    return true;
  },
  async eldStop() {
    if (!eld) return undefined;
    eld.disable();
    const r = { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6, mean: eld.mean / 1e6 };
    eld = undefined;
    return r;
  },
  async info() {
    return { url, pid: process.pid, baseKind, ...extras };
  },
  async exit() {
    setTimeout(async () => {
      try {
        await Promise.race([closeBase(), new Promise((r) => setTimeout(r, 15_000))]);
      } finally {
        process.exit(0);
      }
    }, 0);
    return true;
  },
};

process.on('message', async (msg) => {
  const fn = commands[msg.cmd];
  try {
    if (!fn) throw new Error(`unknown command ${msg.cmd}`);
    const value = await fn(msg.args ?? {});
    process.send({ id: msg.id, ok: true, value });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) });
  }
});
process.on('disconnect', () => process.exit(0));
// Direct handlers are served by this process on a plain node:http server of their own (the base's port has
// the connection relay in front of its server, which would add its loop pair to a handler spliced in there).
if (direct.size > 0) {
  const directServer = createServer((req, res) => {
    if (handleDirect(req, res)) return;
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => directServer.listen(0, '127.0.0.1', r));
  extras.directUrl = `http://127.0.0.1:${directServer.address().port}`;
}
process.send({ t: 'listening', url, pid: process.pid, baseKind, ...extras });
