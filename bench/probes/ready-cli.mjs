#!/usr/bin/env node
// Time from spawning `nodeark start` until the base is ready (Arklet `health` SUCCESS and
// `/actuator/health` 200), measured from outside (this process polls both every 5 ms over node:http, so the
// base loads nothing for the measurement), with the base's CPU time (utime + stime) and PSS at that moment.
//   node bench/probes/ready-cli.mjs [path/to/bin/nodeark.js] [node flags for the base…]
//   NODEBIN=/path/to/node node bench/probes/ready-cli.mjs …   # run the base on another node binary
// For a PSS that carries the whole binary (as the fleet scenario's fixed cost does), give the base a private
// copy: `cp "$(command -v node)" /tmp/node-copy && NODEBIN=/tmp/node-copy node bench/probes/ready-cli.mjs`.
// Alternate two builds to compare them in one run (docs/benchmarks.md § 13).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuOf, pssOf } from '../lib/proc.mjs';

const bin = resolve(process.argv[2] ?? 'packages/base/bin/nodeark.js');
const nodeFlags = process.argv.slice(3);
const dir = mkdtempSync(join(tmpdir(), 'nodeark-ready-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const arkletPort = port + 1;
const t0 = performance.now();
const child = spawn(
  process.env.NODEBIN ?? process.execPath,
  [
    ...nodeFlags,
    bin,
    'start',
    `--server.port=${port}`,
    '--server.address=127.0.0.1',
    `--koupleless.arklet.http.port=${arkletPort}`,
    '--koupleless.arklet.http.host=127.0.0.1',
    `--nodeark.store.dir=${join(dir, 'store')}`,
    '--logging.level.root=warn',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

function call(p, path, method = 'GET', body = undefined) {
  return new Promise((done) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const req = request({ host: '127.0.0.1', port: p, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => done({ status: res.statusCode, text }));
    });
    req.on('error', () => done({ status: 0, text: '' }));
    req.end(body);
  });
}

try {
  for (;;) {
    const arklet = await call(arkletPort, '/health', 'POST', '{}');
    if (arklet.status === 200 && arklet.text.includes('"SUCCESS"') && (await call(port, '/actuator/health')).status === 200) break;
    if (child.exitCode !== null) throw new Error(`the base exited with code ${child.exitCode} before it was ready`);
    if (performance.now() - t0 > 30_000) throw new Error('the base was not ready within 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - t0;
  const cpuMs = Math.round(cpuOf(child.pid).processMs);
  const pss = pssOf(child.pid).pss / (1024 * 1024);
  console.log(JSON.stringify({ readyMs: Math.round(readyMs), cpuMs, pssMiB: Math.round(pss * 10) / 10 }));
} finally {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
}
