// A fleet of N identical "hello" services (N = 1, 10, 30) run three ways, side by side in one run:
//   nodeark — one real base (`nodeark start`, the built CLI), each service a module installed over the Arklet
//             (installBiz / batchInstallBiz), served on the base's one port under /hello-NN/;
//   plain   — `node fleet-server.mjs` per service, each on its own port;
//   PM2     — the same fleet-server.mjs as PM2 apps (fork mode, PM2's defaults), a private PM2_HOME.
// Every service runs the same handler (bench/fixtures/node-hello, a Node `(req, res)` listener).
//
// Measured (no budget; figures for comparison):
//   - total PSS of every process involved (sum of `Pss:` from /proc/<pid>/smaps_rollup over the base, or
//     the plain processes, or the PM2 daemon and all its descendants), after one request to each service
//     and a settle pause, no forced GC anywhere; the fixed cost (base with 0 modules, PM2 daemon with 0
//     apps), PSS per service = (total − fixed) / N, and per added service between the last two counts;
//   - adding one service at N=10 until its first 200 OK (nodeark: installBiz; plain: spawn; PM2: pm2.start
//     from an already connected client);
//   - starting 10 services from nothing until all answer 200 (nodeark: `nodeark start` + one
//     batchInstallBiz; plain: 10 spawns; PM2: `pm2 start fleet.json`, which also launches the daemon);
//   - one service under load (autocannon, 20 connections): req/s and CPU per request (utime + stime from
//     /proc/<pid>/stat of the serving processes over the run, divided by the requests).
// Medians of `reps` repetitions (3; 1 with --quick, which also runs N = 1, 2 and adds one at N = 2); the
// three ways alternate order between repetitions. About 3 minutes on 2 cores (--quick: ~35 s).
//
// PSS is only fair when no unmeasured process maps the same files: every measured process (base, plain
// services, PM2 CLI, daemon and apps) runs on a private copy of the node binary, while this runner, the PM2
// driver (bench/lib/pm2-child.mjs) and autocannon run on the original one, so they share no pages with what
// is measured. Everything listens on 127.0.0.1; every wait is bounded; PM2 is always `pm2 kill`ed.
import { fork, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../lib/children.mjs';
import { NODE_HELLO, fileUrl, variant } from '../lib/fixtures.mjs';
import { cpuOf, pssOf } from '../lib/proc.mjs';
import { int, median, mib, ms, round } from '../lib/stats.mjs';

export const name = 'fleet';
export const title = 'A fleet of N "hello" services: nodeark modules vs plain processes vs PM2';

const require = createRequire(import.meta.url);
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const NODEARK_BIN = here('../../packages/base/bin/nodeark.js');
const FLEET_SERVER = here('../lib/fleet-server.mjs');
const PM2_CHILD = here('../lib/pm2-child.mjs');
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const pad = (i) => String(i).padStart(2, '0');
const fmtMs = (x) => (x >= 1000 ? `${int(x)} ms` : ms(x));
const WAYS = ['nodeark', 'plain', 'pm2'];
const LABEL = { nodeark: 'nodeark', plain: 'plain', pm2: 'PM2' };

/* ------------------------------------------------------------------------------------ processes */
// Every process this scenario starts, killed on exit whatever happens; PM2 homes get a `pm2 kill` too.
const mine = new Set();
const pm2Homes = new Set();
let nodeCopy;
let pm2Bin;

function own(child, name) {
  mine.add(child);
  const tail = [];
  const keep = (chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => mine.delete(child));
  child.tail = () => `${name} output (last lines):\n${tail.join('\n')}`;
  return child;
}

function pm2KillSync(home) {
  if (!pm2Bin) return;
  spawnSync(nodeCopy ?? process.execPath, [pm2Bin, 'kill'], { env: pm2Env(home), stdio: 'ignore', timeout: 20_000 });
  const pid = pm2PidOf(home);
  if (pid) killTree(pid);
}

/** Kills everything this scenario started (synchronously: also usable from 'exit' and signal handlers). */
function cleanupSync() {
  for (const c of mine) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
  for (const h of pm2Homes) pm2KillSync(h);
  pm2Homes.clear();
}
process.once('exit', cleanupSync);

function exited(child, timeoutMs, what) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: still running after ${timeoutMs} ms (killed)\n${child.tail?.() ?? ''}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

async function stopChild(child, timeoutMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(t);
}

/** Every live process of the trees rooted at `roots` (pids), from the ppid field of /proc/<pid>/stat. */
function treeOf(roots) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (d.charCodeAt(0) > 57) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch {}
  }
  const out = [];
  const todo = roots.filter((p) => p && alive(p));
  while (todo.length) {
    const p = todo.pop();
    out.push(p);
    for (const k of kids.get(p) ?? []) todo.push(k);
  }
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killTree(pid) {
  for (const p of treeOf([pid]).reverse()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
}

/** Sum of PSS over `pids` (bytes) and how many processes that was. */
function pssSum(pids) {
  let pss = 0;
  for (const p of pids) pss += pssOf(p).pss;
  return { pss, procs: pids.length };
}

/** CPU ms (all threads) of `pids`, summed. */
function cpuSum(pids) {
  let t = 0;
  for (const p of pids) t += cpuOf(p).processMs;
  return t;
}

/* ----------------------------------------------------------------------------------------- http */
function get(url, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function postJson(url, body, timeoutMs = 120_000) {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  return res.json();
}

/**
 * Waits until every URL answers 200, polling one request at a time (every 5 ms, in order: a service that
 * is already up answers at once), so polling adds at most ~200 requests/s to the machine being measured.
 * `urls` are functions (a URL may not be known yet: the base's port). Resolves with performance.now().
 */
async function until200(urls, deadlineMs, what) {
  const deadline = Date.now() + deadlineMs;
  for (const u of urls) {
    for (;;) {
      const url = u();
      if (url && (await get(url)) === 200) break;
      if (Date.now() > deadline) throw new Error(`${what}: ${url ?? '(no URL yet)'} did not answer 200 within ${deadlineMs} ms`);
      await sleep(5);
    }
  }
  return performance.now();
}

async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      await new Promise((r, j) => s.once('error', j).listen(0, '127.0.0.1', r));
      servers.push(s);
    }
    return servers.map((s) => s.address().port);
  } finally {
    for (const s of servers) s.close();
  }
}

/* ----------------------------------------------------------------------------------------- ways */
function pm2Env(home) {
  return { ...process.env, PM2_HOME: home, NODE_ENV: 'production' };
}

function pm2PidOf(home) {
  try {
    const pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
    return pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** nodeark: the real base (the built `nodeark start`), modules installed over its Arklet. */
function nodearkWay(ctx) {
  let child;
  let url;
  let arkletUrl;
  let store;
  const mod = (i) => ({ bizUrl: fileUrl(ctx.modDir(i)), bizName: `hello-${pad(i)}`, bizVersion: '1.0.0' });
  return {
    name: 'nodeark',
    async up() {
      store = await mkdtemp(join(ctx.tmp, 'store-'));
      url = undefined;
      child = own(
        spawn(
          nodeCopy,
          [
            NODEARK_BIN,
            'start',
            '--server.port=0',
            '--server.address=127.0.0.1',
            '--koupleless.arklet.http.port=0',
            '--koupleless.arklet.http.host=127.0.0.1',
            `--nodeark.store.dir=${join(store, 'store')}`,
            '--logging.format=json',
            '--nodeark.biz.log-level=warn',
          ],
          { cwd: ctx.tmp, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] },
        ),
        'nodeark base',
      );
      await new Promise((resolve, reject) => {
        let buf = '';
        const t = setTimeout(() => fail(new Error('nodeark base: no "nodeark base ready" within 30 s')), 30_000);
        const onData = (chunk) => {
          buf += chunk;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.includes('nodeark base ready')) continue;
            try {
              const m = JSON.parse(line);
              url = m.url;
              arkletUrl = m.arkletUrl;
              done();
              return;
            } catch {}
          }
        };
        const onExit = (code) => fail(new Error(`nodeark base exited (${code}) before ready\n${child.tail()}`));
        const done = () => {
          clearTimeout(t);
          child.stdout.off('data', onData);
          child.off('exit', onExit);
          resolve();
        };
        const fail = (e) => {
          clearTimeout(t);
          child.stdout.off('data', onData);
          child.off('exit', onExit);
          reject(e);
        };
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', onData);
        child.once('exit', onExit);
      });
    },
    async add(ids) {
      const r =
        ids.length === 1
          ? await postJson(`${arkletUrl}/installBiz`, mod(ids[0]))
          : await postJson(`${arkletUrl}/batchInstallBiz`, { bizList: ids.map(mod) });
      if (r.code !== 'SUCCESS') throw new Error(`nodeark install of ${ids.length} failed: ${JSON.stringify(r).slice(0, 400)}`);
    },
    async fromNothing(ids, mark) {
      await this.up();
      mark('base ready');
      await this.add(ids);
      mark('batchInstallBiz answered');
    },
    url: (i) => (url ? `${url}/hello-${pad(i)}/hello` : undefined),
    pids: () => treeOf([child?.pid]),
    servingPids: () => treeOf([child?.pid]),
    async down() {
      if (child) await stopChild(child, 15_000);
      child = undefined;
      url = undefined;
      if (store) await rm(store, { recursive: true, force: true });
    },
  };
}

/** plain: `node fleet-server.mjs` per service, each on its own port. */
function plainWay(ctx) {
  const procs = [];
  return {
    name: 'plain',
    async up() {},
    async add(ids) {
      for (const i of ids) {
        procs.push(
          own(
            spawn(nodeCopy, [FLEET_SERVER], {
              cwd: ctx.tmp,
              env: { ...process.env, PORT: String(ctx.port(i)), NODE_ENV: 'production' },
              stdio: ['ignore', 'ignore', 'pipe'],
            }),
            `plain hello-${pad(i)}`,
          ),
        );
      }
    },
    async fromNothing(ids, mark) {
      await this.add(ids);
      mark('spawned');
    },
    url: (i) => `http://127.0.0.1:${ctx.port(i)}/hello`,
    pids: () => treeOf(procs.map((p) => p.pid)),
    servingPids: () => treeOf(procs.map((p) => p.pid)),
    async down() {
      await Promise.all(procs.map((p) => stopChild(p, 5_000)));
      procs.length = 0;
    },
  };
}

/**
 * PM2: the same fleet-server.mjs as PM2 apps (fork mode), a private PM2_HOME, the daemon on the node copy.
 * Ports of their own (ctx.port(maxId + i)), so the three ways can run at once in the load phase.
 */
function pm2Way(ctx) {
  const home = join(ctx.tmp, 'pm2-home');
  pm2Homes.add(home);
  let driver;
  let seq = 0;
  const app = (i) => ({
    name: `hello-${pad(i)}`,
    script: FLEET_SERVER,
    interpreter: nodeCopy,
    exec_mode: 'fork',
    cwd: ctx.tmp,
    env: { PORT: String(ctx.port(ctx.maxId + i)), NODE_ENV: 'production' },
  });
  const cli = async (args, timeoutMs = 30_000) => {
    const c = own(spawn(nodeCopy, [pm2Bin, ...args], { cwd: ctx.tmp, env: pm2Env(home), stdio: ['ignore', 'pipe', 'pipe'] }), `pm2 ${args[0]}`);
    const code = await exited(c, timeoutMs, `pm2 ${args.join(' ')}`);
    if (code !== 0) throw new Error(`pm2 ${args.join(' ')} exited ${code}\n${c.tail()}`);
  };
  const call = (cmd, args = {}, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const t = setTimeout(() => fin(new Error(`pm2-child ${cmd}: no answer within ${timeoutMs} ms\n${driver.tail()}`)), timeoutMs);
      const onMsg = (m) => m.id === id && fin(m.ok ? undefined : new Error(`pm2-child ${cmd}: ${m.error}`), m.value);
      const onExit = (code) => fin(new Error(`pm2-child exited (${code})\n${driver.tail()}`));
      const fin = (err, v) => {
        clearTimeout(t);
        driver.off('message', onMsg);
        driver.off('exit', onExit);
        err ? reject(err) : resolve(v);
      };
      driver.on('message', onMsg);
      driver.once('exit', onExit);
      driver.send({ id, cmd, args });
    });
  const daemon = () => pm2PidOf(home);
  return {
    name: 'pm2',
    async up() {
      await cli(['ping']); // launches the daemon (on the node copy), then exits
      driver = own(fork(PM2_CHILD, [], { env: pm2Env(home), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }), 'pm2-child');
      await new Promise((resolve, reject) => {
        driver.once('message', resolve);
        driver.once('exit', (c) => reject(new Error(`pm2-child exited (${c})\n${driver.tail()}`)));
      });
      await call('connect');
      if (!daemon()) throw new Error('PM2 daemon not running after `pm2 ping`');
    },
    async add(ids) {
      await call('start', { apps: ids.map(app) });
    },
    async fromNothing(ids, mark) {
      const file = join(ctx.tmp, `fleet-${ids.length}.json`);
      await writeFile(file, JSON.stringify({ apps: ids.map(app) }));
      await cli(['start', file]);
      mark('`pm2 start` returned');
    },
    url: (i) => `http://127.0.0.1:${ctx.port(ctx.maxId + i)}/hello`,
    pids: () => treeOf([daemon()]),
    servingPids: () => treeOf([daemon()]).filter((p) => p !== daemon()),
    daemonPid: daemon,
    /** Every app online and never restarted (a port taken by someone else would show as restarts). */
    async check(n) {
      const l = await call('list');
      const bad = l.filter((p) => p.status !== 'online' || p.restarts > 0);
      if (l.length !== n || bad.length) throw new Error(`PM2: expected ${n} apps online without restarts, got ${JSON.stringify(l)}`);
    },
    async down() {
      if (driver) {
        driver.disconnect?.();
        await exited(driver, 5_000, 'pm2-child').catch(() => {});
        driver = undefined;
      }
      // `pm2 kill` launches a daemon to kill when none runs: only when one does (the final kill is unconditional).
      if (daemon()) await cli(['kill']).catch(() => {});
      const pid = daemon();
      if (pid) killTree(pid);
    },
  };
}

/* ------------------------------------------------------------------------------------- the runs */
export async function run({ quick, log }) {
  const counts = quick ? [1, 2] : [1, 10, 30];
  const addAt = quick ? 2 : 10;
  const startCount = quick ? 2 : 10;
  const reps = quick ? 1 : 3;
  const settleMs = quick ? 1000 : 1500;
  const load = { connections: 20, durationSec: quick ? 2 : 4 };
  const loadRounds = quick ? 1 : 3;
  const warmupSec = quick ? 1 : 2;
  const maxId = Math.max(...counts, addAt + 1, startCount);

  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-bench-fleet-'));
  // Ctrl-C or a kill of the runner skips 'exit' handlers, and the PM2 daemon is detached: clean up first.
  const onSignal = (sig) => {
    log(`  ${sig}: stopping the fleet (pm2 kill, children killed)`);
    cleanupSync();
    rmSync(tmp, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  pm2Bin = require.resolve('pm2/bin/pm2');
  nodeCopy = join(tmp, 'node');
  await copyFile(process.execPath, nodeCopy);
  await chmod(nodeCopy, 0o755);
  for (let i = 1; i <= maxId; i++) await variant(NODE_HELLO, join(tmp, 'mods', `hello-${pad(i)}`), { bizName: `hello-${pad(i)}` });
  let ports = [];
  const ctx = { tmp, maxId, modDir: (i) => join(tmp, 'mods', `hello-${pad(i)}`), port: (i) => ports[i - 1] };
  const ways = { nodeark: nodearkWay(ctx), plain: plainWay(ctx), pm2: pm2Way(ctx) };
  log(`  N = ${counts.join(', ')}; add one at N=${addAt}; start ${startCount} from nothing; ${reps} repetition(s); services run on a private copy of node (${nodeCopy})`);

  const mem = Object.fromEntries(WAYS.map((w) => [w, { fixed: [], byN: Object.fromEntries(counts.map((n) => [n, []])), procsByN: {}, addOneMs: [], startMs: [], startPhases: [] }]));
  const ids = (from, to) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

  try {
    for (let rep = 0; rep < reps; rep++) {
      const order = WAYS.map((_, k) => WAYS[(k + rep) % WAYS.length]);
      for (const wn of order) {
        const w = ways[wn];
        const m = mem[wn];
        ports = await freePorts(2 * maxId);
        // 1. The ladder: fixed cost, then N = counts, adding one (timed) at N = addAt.
        try {
          await w.up();
          await sleep(settleMs);
          const fixed = wn === 'plain' ? { pss: 0, procs: 0 } : pssSum(w.pids());
          m.fixed.push(fixed.pss);
          let have = 0;
          const steps = [`fixed ${mib(fixed.pss)}`];
          for (const n of counts) {
            if (have < n) {
              const add = ids(have + 1, n);
              await w.add(add);
              await until200(add.map((i) => () => w.url(i)), 60_000, `${wn} N=${n}`);
              have = n;
            }
            await sleep(settleMs);
            const s = pssSum(w.pids());
            m.byN[n].push(s.pss);
            m.procsByN[n] = s.procs;
            steps.push(`N=${n} ${mib(s.pss)}`);
            if (n === addAt) {
              const i = ++have;
              const t0 = performance.now();
              const added = w.add([i]);
              const t1 = await until200([() => w.url(i)], 30_000, `${wn} add one`);
              await added;
              m.addOneMs.push(t1 - t0);
              steps.push(`add one ${fmtMs(t1 - t0)}`);
            }
          }
          await w.check?.(have);
          log(`  [${rep + 1}/${reps}] ${LABEL[wn]}: ${steps.join(', ')}`);
        } finally {
          await w.down();
        }
        // 2. From nothing: start `startCount` services, until all answer 200 (after a pause: the ladder's
        //    teardown has just freed 30 services' memory).
        await sleep(settleMs);
        try {
          const t0 = performance.now();
          const phases = {};
          const started = w.fromNothing(ids(1, startCount), (k) => (phases[k] = performance.now() - t0));
          started.catch(() => {});
          const t1 = await until200(ids(1, startCount).map((i) => () => w.url(i)), 60_000, `${wn} from nothing`);
          await started;
          m.startMs.push(t1 - t0);
          m.startPhases.push(phases);
          const ph = Object.entries(phases).map(([k, v]) => `${k} at ${fmtMs(v)}`);
          log(`  [${rep + 1}/${reps}] ${LABEL[wn]}: ${startCount} from nothing ${fmtMs(t1 - t0)} (${ph.join(', ')})`);
        } finally {
          await w.down();
        }
      }
    }

    // 3. One service under load, the three ways up at once (1 service each), rotated between rounds.
    ports = await freePorts(2 * maxId);
    const loadRes = Object.fromEntries(WAYS.map((w) => [w, []]));
    try {
      for (const wn of WAYS) {
        await ways[wn].up();
        await ways[wn].add([1]);
      }
      await until200(WAYS.map((wn) => () => ways[wn].url(1)), 30_000, 'load setup');
      for (const wn of WAYS) {
        await ways[wn].check?.(1);
        if (ways[wn].servingPids().length !== 1) throw new Error(`${wn}: expected one serving process, got ${ways[wn].servingPids().length}`);
        await runLoad({ ...load, url: ways[wn].url(1), durationSec: warmupSec });
      }
      for (let r = 0; r < loadRounds; r++) {
        for (const wn of WAYS.map((_, k) => WAYS[(k + r) % WAYS.length])) {
          const w = ways[wn];
          const serving = w.servingPids();
          const daemon = w.daemonPid?.();
          const c0 = cpuSum(serving);
          const d0 = daemon ? cpuSum([daemon]) : 0;
          const res = await runLoad({ ...load, url: w.url(1) });
          const n = Math.max(1, res.totalRequests);
          const cpuUs = ((cpuSum(serving) - c0) * 1000) / n;
          const daemonUs = daemon ? ((cpuSum([daemon]) - d0) * 1000) / n : undefined;
          loadRes[wn].push({ rps: res.rps, p99: res.p99, totalRequests: res.totalRequests, cpuUs, daemonUs, servingProcs: serving.length, failures: res.errors + res.non2xx + res.timeouts });
          log(`  load ${LABEL[wn]}: ${int(res.rps)} req/s p99 ${res.p99} ms, ${Math.round(cpuUs)} µs CPU/req${daemonUs !== undefined ? ` (+ daemon ${daemonUs.toFixed(1)})` : ''}${res.errors + res.non2xx + res.timeouts ? ` (errors ${res.errors}, non2xx ${res.non2xx}, timeouts ${res.timeouts})` : ''}`);
        }
      }
    } finally {
      for (const wn of WAYS) await ways[wn].down();
    }

    /* ------------------------------------------------------------------------------------ report */
    const summary = {};
    for (const wn of WAYS) {
      const m = mem[wn];
      const fixed = median(m.fixed);
      const byN = {};
      for (const n of counts) {
        const total = median(m.byN[n]);
        byN[n] = { totalPss: total, perService: median(m.byN[n].map((t, k) => (t - m.fixed[k]) / n)), procs: m.procsByN[n], samples: m.byN[n] };
      }
      // What one more service costs once the fleet exists: between the last two counts.
      const [lo, hi] = counts.slice(-2);
      const marginal = median(m.byN[hi].map((t, k) => (t - m.byN[lo][k]) / (hi - lo)));
      const L = loadRes[wn];
      summary[wn] = {
        fixedPss: fixed,
        fixedSamples: m.fixed,
        byN,
        marginal: { from: lo, to: hi, perService: marginal },
        addOneMs: median(m.addOneMs),
        addOneSamples: m.addOneMs,
        startMs: median(m.startMs),
        startSamples: m.startMs,
        startPhases: m.startPhases,
        load: {
          rps: median(L.map((x) => x.rps)),
          p99: median(L.map((x) => x.p99)),
          cpuUs: median(L.map((x) => x.cpuUs)),
          daemonUs: wn === 'pm2' ? median(L.map((x) => x.daemonUs)) : undefined,
          failures: L.reduce((s, x) => s + x.failures, 0),
          runs: L,
        },
      };
    }
    const S = summary;
    const both = (f, fmt) => `plain ${fmt(f(S.plain))} · PM2 ${fmt(f(S.pm2))}`;
    const ratios = (f) => {
      const a = f(S.nodeark);
      const r = (b) => (Number.isFinite(a / b) && b !== 0 ? `${round(a / b)}×` : '—');
      return `${r(f(S.plain))} · ${r(f(S.pm2))}`;
    };
    const rows = [];
    const row = (c, f, fmt, extra = {}) => rows.push({ scenario: 'fleet', case: c, nodeark: fmt(f(S.nodeark)), baseline: both(f, fmt), ratio: ratios(f), budget: '—', verdict: 'info', ...extra });
    const note = reps < 3 ? ` (${reps} rep)` : '';
    rows.push({
      scenario: 'fleet',
      case: `fixed cost, PSS: base with 0 modules / PM2 daemon with 0 apps${note}`,
      nodeark: mib(S.nodeark.fixedPss),
      baseline: `plain — · PM2 ${mib(S.pm2.fixedPss)}`,
      ratio: `— · ${round(S.nodeark.fixedPss / S.pm2.fixedPss)}×`,
      budget: '—',
      verdict: 'info',
    });
    for (const n of counts) row(`total PSS, N=${n} (every process involved)${note}`, (s) => s.byN[n].totalPss, mib);
    for (const n of counts) row(`  PSS per service, N=${n}: (total − fixed) / N`, (s) => s.byN[n].perService, mib);
    const [lo, hi] = counts.slice(-2);
    row(`  PSS per added service, N=${lo} → ${hi}: (total(${hi}) − total(${lo})) / ${hi - lo}`, (s) => s.marginal.perService, mib);
    row(`add one service at N=${addAt} → its first 200 OK, median of ${reps}`, (s) => s.addOneMs, fmtMs);
    row(`start ${startCount} services from nothing → all answer 200, median of ${reps}`, (s) => s.startMs, fmtMs);
    row(`one service under load (${load.connections} conn., ${loadRounds}×${load.durationSec} s): req/s (p99)`, (s) => s.load.rps, int, {
      nodeark: `${int(S.nodeark.load.rps)} (${S.nodeark.load.p99} ms)`,
      baseline: `plain ${int(S.plain.load.rps)} (${S.plain.load.p99} ms) · PM2 ${int(S.pm2.load.rps)} (${S.pm2.load.p99} ms)`,
      verdict: WAYS.some((w) => S[w].load.failures > 0) ? 'FAIL (errors)' : 'info',
    });
    row('  same, CPU per request of the serving processes (PM2: app + daemon)', (s) => s.load.cpuUs, (x) => `${Math.round(x)} µs`, {
      baseline: `plain ${Math.round(S.plain.load.cpuUs)} µs · PM2 ${Math.round(S.pm2.load.cpuUs)} + ${S.pm2.load.daemonUs.toFixed(1)} µs`,
    });
    const data = {
      counts,
      addAt,
      startCount,
      reps,
      settleMs,
      load: { ...load, rounds: loadRounds, warmupSec },
      pm2Version: JSON.parse(readFileSync(join(pm2Bin, '../../package.json'), 'utf8')).version,
      nodeCopy: true,
      ...summary,
    };
    return { rows, data };
  } finally {
    for (const wn of WAYS) await ways[wn].down().catch(() => {});
    // Always a final `pm2 kill` (also after a failure), then the leftovers of the private home.
    pm2KillSync(join(tmp, 'pm2-home'));
    pm2Homes.delete(join(tmp, 'pm2-home'));
    for (const c of mine) c.kill('SIGKILL');
    await rm(tmp, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
