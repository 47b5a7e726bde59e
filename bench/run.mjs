#!/usr/bin/env node
// nodeark benchmark suite: every performance budget in docs/benchmarks.md measured side by side.
//
//   npm run bench                          build, then every scenario (a few minutes on 2 cores)
//   node bench/run.mjs --quick             short smoke run of every scenario
//   node bench/run.mjs --only routed,switch
//   node bench/run.mjs --list
//   node bench/run.mjs --out bench/results/mine.json
//
// Each scenario starts its own base in a child process; load comes from autocannon in another process,
// on 127.0.0.1 only; every run is bounded in time. Results: one table on stdout and JSON in
// bench/results/latest.json (gitignored).
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll } from './lib/children.mjs';
import { machine } from './lib/proc.mjs';
import { renderTable } from './lib/table.mjs';

const ORDER = ['routed', 'apps', 'bodies', 'install', 'memory', 'cycles', 'switch', 'arklet', 'actuator', 'metrics', 'fleet'];
const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const o = { quick: false, only: undefined, out: join(here, 'results', 'latest.json'), list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (k === '--quick') o.quick = true;
    else if (k === '--list') o.list = true;
    else if (k === '--only') o.only = (v ?? argv[++i] ?? '').split(',').filter(Boolean);
    else if (k === '--out') o.out = v ?? argv[++i];
    else if (k === '--help' || k === '-h') o.help = true;
    else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
if (opts.help) {
  console.log('usage: node bench/run.mjs [--quick] [--only a,b] [--out file.json] [--list]');
  console.log(`scenarios: ${ORDER.join(', ')}`);
  process.exit(0);
}
const scenarios = [];
for (const n of ORDER) scenarios.push(await import(`./scenarios/${n}.mjs`));
if (opts.list) {
  for (const s of scenarios) console.log(`${s.name.padEnd(10)} ${s.title}`);
  process.exit(0);
}
const unknown = (opts.only ?? []).filter((n) => !ORDER.includes(n));
if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${ORDER.join(', ')}`);
const selected = scenarios.filter((s) => !opts.only || opts.only.includes(s.name));

const m = machine();
const env = {
  date: new Date().toISOString(),
  node: process.version,
  nproc: availableParallelism(),
  cpu: m.cpu || cpus()[0]?.model,
  memTotalGiB: Math.round(totalmem() / 2 ** 30),
  loadavgStart: loadavg().map((x) => Math.round(x * 100) / 100),
  quick: opts.quick,
  argv: process.argv.slice(2),
};
const log = (s) => console.error(s);
log(`nodeark bench — node ${env.node}, ${env.nproc} cores (${env.cpu}), load ${env.loadavgStart.join(' ')}${opts.quick ? ', QUICK' : ''}`);

const t0 = Date.now();
const results = {};
const rows = [];
let failed = 0;
for (const s of selected) {
  const ts = Date.now();
  log(`\n▶ ${s.name}: ${s.title}`);
  try {
    const r = await s.run({ quick: opts.quick, log });
    const seconds = (Date.now() - ts) / 1000;
    results[s.name] = { seconds, ...r.data };
    rows.push(...r.rows);
    log(`  (${seconds.toFixed(1)} s)`);
  } catch (err) {
    failed++;
    const msg = String(err?.stack ?? err);
    log(`  ERROR: ${msg}`);
    results[s.name] = { error: msg, seconds: (Date.now() - ts) / 1000 };
    rows.push({ scenario: s.name, case: s.title, nodeark: 'error', verdict: `ERROR: ${String(err?.message ?? err).split('\n')[0].slice(0, 80)}` });
  } finally {
    killAll();
  }
}
env.seconds = Math.round((Date.now() - t0) / 100) / 10;
env.loadavgEnd = loadavg().map((x) => Math.round(x * 100) / 100);

const table = renderTable(rows);
console.log(`\nnodeark bench — ${env.date}, node ${env.node}, nproc ${env.nproc}, ${env.cpu}, ${env.seconds} s${opts.quick ? ' (QUICK: short runs, not for the record)' : ''}\n`);
console.log(table);
await mkdir(dirname(opts.out), { recursive: true });
await writeFile(opts.out, `${JSON.stringify({ env, rows, results }, null, 2)}\n`);
log(`\nJSON: ${opts.out}`);
process.exit(failed ? 1 : 0);
