#!/usr/bin/env node
// Probe behind docs/benchmarks.md § Arklet: how long synchronous calls that read /proc (the Arklet `jvm`
// and `cpu` indicators use process.memoryUsage() and os.cpus()) take on the main thread while worker
// threads are being created and terminated in the same process (what 8 concurrent installs do), compared
// with an idle process and with Date.now(). Bounded: 16 rounds of 8 workers per measurement.
//   node bench/probes/proc-stall.mjs
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

const churn = async () => {
  for (let i = 0; i < 16; i++) {
    await Promise.all(
      Array.from({ length: 8 }, () => new Promise((resolve) => {
        const w = new Worker('const a=[];for(let i=0;i<2e5;i++)a.push({i});require("node:worker_threads").parentPort.postMessage(1)', { eval: true });
        w.once('message', () => w.terminate().then(resolve));
      })),
    );
  }
};
const sample = (fn) => {
  const xs = [];
  const iv = setInterval(() => {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }, 2);
  return () => {
    clearInterval(iv);
    xs.sort((a, b) => a - b);
    const p = (q) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))].toFixed(3);
    return `n=${xs.length} p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${xs[xs.length - 1].toFixed(2)} ms`;
  };
};
let stop = sample(() => process.memoryUsage());
await new Promise((r) => setTimeout(r, 1000));
console.log(`idle:                  process.memoryUsage() ${stop()}`);
for (const [name, fn] of [['process.memoryUsage()', () => process.memoryUsage()], ['os.cpus()', () => cpus()], ['Date.now()', () => Date.now()]]) {
  stop = sample(fn);
  await churn();
  console.log(`while workers churn:   ${name} ${stop()}`);
}
