#!/usr/bin/env node
// Probe behind docs/benchmarks.md § Per-module accounting: the work accounting adds to one routed request,
// timed alone (independent of the machine's other load, unlike req/s): ModuleMeter.begin/end with the
// streamed-response and bytes updates the proxy makes, over a mix of methods and statuses, next to the
// two performance.now() reads it contains. Run after `npm run build`.
//   node bench/probes/accounting-cost.mjs
import { performance } from 'node:perf_hooks';
import { ModuleMeter } from '../../packages/runtime/dist/metrics/module-metrics.js';

const m = new ModuleMeter();
const methods = ['GET', 'GET', 'POST', 'GET'];
const statuses = [200, 200, 404, 200, 500];
function request(i) {
  const t0 = m.begin();
  m.responsesStreaming++;
  m.bytesOut += 11;
  m.responsesStreaming--;
  m.end(methods[i & 3], statuses[i % 5], t0);
}
function clockPair() {
  return performance.now() - performance.now();
}
const N = 2e6;
const nsPer = (fn) => {
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) fn(i);
    runs.push(((performance.now() - t) * 1e6) / N);
  }
  return runs.sort((a, b) => a - b)[3];
};
nsPer(request); // warm-up
const acct = nsPer(request);
const clock = nsPer(clockPair);
console.log(`accounting per request: ${acct.toFixed(0)} ns (median of 7 × ${N}), of which two performance.now(): ${clock.toFixed(0)} ns`);
