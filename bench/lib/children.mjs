// Parent-side helpers for the bench's child processes: the base (base-child.mjs), the load generator
// (load-child.mjs, autocannon), the latency probe (probe-child.mjs) and the standalone module server.
// Every wait is bounded; a child that overstays is killed.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const live = new Set();

/** Kills every child still running (used on exit and on errors). */
export function killAll() {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
  live.clear();
}
process.once('exit', killAll);

function track(child, name, keepOutput = 40) {
  live.add(child);
  const tail = [];
  const keep = (chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > keepOutput) tail.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => live.delete(child));
  child.tail = () => `${name} output (last lines):\n${tail.join('\n')}`;
  return child;
}

function waitMessage(child, predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms\n${child.tail?.() ?? ''}`));
    }, timeoutMs);
    const onMsg = (m) => {
      if (!predicate(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code, sig) => {
      cleanup();
      reject(new Error(`${what}: child exited (${code ?? sig})\n${child.tail?.() ?? ''}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('exit', onExit);
    };
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
}

/**
 * Starts a base in a child process. `options`: `direct` handlers, `kind`, `config`, `execArgv`.
 * Returns `{ url, pid, baseKind, call(cmd, args, timeoutMs), stop() }`.
 */
export async function startBase(options = {}) {
  const store = await mkdtemp(join(tmpdir(), 'nodeark-bench-'));
  const childOpts = { ...options, store: join(store, 'store') };
  delete childOpts.execArgv;
  // NODEARK_BENCH_CPU_PROF=<dir>: every base writes a V8 CPU profile of its main thread there on exit
  // (summarise with `node bench/lib/cpuprofile.mjs <file>`).
  const profDir = process.env.NODEARK_BENCH_CPU_PROF;
  const profArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const child = track(
    fork(here('./base-child.mjs'), [JSON.stringify(childOpts)], {
      execArgv: ['--expose-gc', ...profArgs, ...(options.execArgv ?? [])],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' },
    }),
    'base',
  );
  const hello = await waitMessage(child, (m) => m.t === 'listening', 60_000, 'base start');
  let seq = 0;
  const call = async (cmd, args = {}, timeoutMs = 120_000) => {
    const id = ++seq;
    const p = waitMessage(child, (m) => m.id === id, timeoutMs, `base ${cmd}`);
    child.send({ id, cmd, args });
    const m = await p;
    if (!m.ok) throw new Error(`base ${cmd} failed: ${m.error}`);
    return m.value;
  };
  return {
    url: hello.url,
    /** The direct handlers' own server, when `direct` was given. */
    directUrl: hello.directUrl,
    pid: hello.pid,
    baseKind: hello.baseKind,
    arkletUrl: hello.arkletUrl,
    store,
    call,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        try {
          await call('exit', {}, 5_000);
        } catch {}
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }
      await rm(store, { recursive: true, force: true });
    },
  };
}

/**
 * Runs autocannon in its own process. `opts`: url, connections, durationSec, method, bodyBytes, headers.
 * Resolves with a summary; killed after durationSec + 20 s whatever happens.
 */
export function runLoad(opts) {
  return new Promise((resolve, reject) => {
    const child = track(
      fork(here('./load-child.mjs'), [JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
      'autocannon',
      200,
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.durationSec + 20) * 1000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`autocannon exited (${code}) without a result\n${child.tail()}`));
    });
  });
}

/**
 * Starts a latency probe in its own process: `concurrency` sequential request loops against `targets`
 * (round robin), microsecond timing, until stop() or `maxMs`. Returns `{ ready, stop(): summary }`.
 */
export async function startProbe(opts) {
  const child = track(
    fork(here('./probe-child.mjs'), [JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
    'probe',
  );
  await waitMessage(child, (m) => m.t === 'started', 10_000, 'probe start');
  return {
    async stop() {
      const p = waitMessage(child, (m) => m.t === 'result', 30_000, 'probe result');
      child.send({ t: 'stop' });
      return p;
    },
  };
}

/** Starts a separate Node process serving one module (the memory baseline). */
export async function startStandalone(dir, kind) {
  const child = track(
    fork(here('./standalone-child.mjs'), [dir, kind], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] }),
    'standalone',
  );
  const hello = await waitMessage(child, (m) => m.t === 'listening', 30_000, 'standalone start');
  return {
    url: hello.url,
    pid: child.pid,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}
