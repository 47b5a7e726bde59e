#!/usr/bin/env node
// Profiles the routed path: a base (BizRuntime behind http.createServer with the connection relay, the
// same dispatch createBase does; `--relay false` for the parse-and-proxy path) with --cpu-prof on its main thread and on the module worker, autocannon
// from another process for a few seconds, then a self-time summary of each thread.
//
//   node bench/profile.mjs [--path /fetch/hello] [--seconds 8] [--connections 20] [--post 65536]
//
// Profiles are kept in bench/profiles/<timestamp>/ (gitignored) for chrome://inspect or speedscope.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll, runLoad, startBase } from './lib/children.mjs';
import { renderSummary, summarize } from './lib/cpuprofile.mjs';
import { FETCH_HELLO, NODE_HELLO, fileUrl } from './lib/fixtures.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]?.startsWith('--') ? 'true' : all[i + 1]]] : acc), []),
);
const path = args.path ?? '/fetch/hello';
const seconds = Number(args.seconds ?? 8);
const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const baseDir = join(dir, 'base');
const workerDir = join(dir, 'worker');
await mkdir(baseDir, { recursive: true });
await mkdir(workerDir, { recursive: true });

const base = await startBase({
  kind: 'runtime',
  relay: args.relay !== 'false',
  execArgv: ['--cpu-prof', `--cpu-prof-dir=${baseDir}`],
  // No spare worker: it would be profiled too, as a worker that never serves.
  runtimeOptions: { spareWorkers: 0, workerExecArgv: ['--cpu-prof', `--cpu-prof-dir=${workerDir}`] },
  direct: [
    { prefix: 'direct-fetch', dir: FETCH_HELLO, kind: 'fetch' },
    { prefix: 'direct-node', dir: NODE_HELLO, kind: 'node' },
  ],
});
try {
  for (const d of [FETCH_HELLO, NODE_HELLO]) await base.call('install', { bizUrl: fileUrl(d) });
  const load = {
    url: base.url + path,
    connections: Number(args.connections ?? 20),
    durationSec: seconds,
    ...(args.post ? { method: 'POST', bodyBytes: Number(args.post), headers: { 'content-type': 'application/octet-stream' } } : {}),
  };
  const r = await runLoad(load);
  console.log(`${path}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms, errors ${r.errors + r.non2xx + r.timeouts}`);
} finally {
  await base.stop();
  killAll();
}
for (const [title, d] of [['base main thread', baseDir], ['module workers', workerDir]]) {
  for (const f of (await readdir(d)).filter((x) => x.endsWith('.cpuprofile'))) {
    const s = summarize(join(d, f), Number(args.top ?? 25));
    if (s.busyMs < 50) continue; // an idle module's worker
    console.log(`\n${renderSummary(s, `${title} (${f})`)}`);
  }
}
console.log(`\nprofiles: ${dir}`);
