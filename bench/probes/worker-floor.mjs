#!/usr/bin/env node
// Probe behind docs/benchmarks.md § Memory: RSS added per idle worker thread in one process, for an
// empty worker and for one that has used the web-standard Request/Response (which loads undici into the
// worker's isolate, as every fetch module does), with and without a small young generation.
//   node --expose-gc bench/probes/worker-floor.mjs
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const settle = async () => {
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 500));
};
const N = 20;
for (const [label, body, opts] of [
  ['empty worker', '', {}],
  ['worker after Request/Response', "new Request('http://x/'); new Response('x'); new Headers();", {}],
  ['same, maxYoungGenerationSizeMb: 2', "new Request('http://x/'); new Response('x'); new Headers();", { resourceLimits: { maxYoungGenerationSizeMb: 2 } }],
]) {
  await settle();
  const r0 = rss();
  const ws = [];
  for (let i = 0; i < N; i++) {
    const w = new Worker(`const { parentPort } = require('node:worker_threads'); ${body} parentPort.postMessage(1); setInterval(() => {}, 1e6);`, { eval: true, ...opts });
    await new Promise((r) => w.once('message', r));
    ws.push(w);
  }
  await new Promise((r) => setTimeout(r, 1000));
  await settle();
  console.log(`${label.padEnd(36)} ${((rss() - r0) / N).toFixed(1)} MiB RSS per worker (N=${N})`);
  await Promise.all(ws.map((w) => w.terminate()));
}
