#!/usr/bin/env node
// PSS added per idle empty worker thread (docs/benchmarks.md § 14): 10 workers of a one-line script, the
// process's PSS delta after 1.5 s of settling. Pass resourceLimits as JSON and V8 flags to node:
//   node bench/probes/worker-floor-pss.mjs
//   node --max-semi-space-size=1 bench/probes/worker-floor-pss.mjs '{"maxYoungGenerationSizeMb":1}'
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const pss = () => Number(/^Pss:\s+(\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? NaN) / 1024;
const settle = () => new Promise((r) => setTimeout(r, 1500));
const resourceLimits = process.argv[2] ? JSON.parse(process.argv[2]) : undefined;
const N = 10;
await settle();
const before = pss();
const workers = [];
for (let i = 0; i < N; i++) {
  const w = new Worker("require('node:worker_threads').parentPort.postMessage(1); setInterval(() => {}, 1e6);", {
    eval: true,
    ...(resourceLimits ? { resourceLimits } : {}),
  });
  await new Promise((r) => w.once('message', r));
  workers.push(w);
}
await settle();
const flags = [...process.execArgv, ...(resourceLimits ? [JSON.stringify(resourceLimits)] : [])].join(' ') || '(defaults)';
console.log(`${process.version} ${flags}: ${((pss() - before) / N).toFixed(2)} MiB PSS per empty worker (N=${N})`);
await Promise.all(workers.map((w) => w.terminate()));
