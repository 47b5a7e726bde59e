// PM2 driven programmatically from a process of its own (the fleet scenario), over IPC like base-child.mjs.
// It only connects to a daemon that is already running (PM2_HOME in its environment): PM2 spawns its daemon
// with the client's own node binary, and the scenario wants the daemon on the copy of node it measures, so
// the daemon is launched by the PM2 CLI run on that copy. Commands: start (app configs), list, disconnect.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
if (!process.env.PM2_HOME) throw new Error('PM2_HOME must be set (a private PM2 home for the bench)');
const pm2 = require('pm2');

const cb2p = (fn) => new Promise((resolve, reject) => fn((err, v) => (err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(v))));

const commands = {
  async connect() {
    const meta = await cb2p((cb) => pm2.connect(cb));
    if (meta?.new_pm2_instance) throw new Error('pm2-child launched a daemon itself (expected one already running)');
    return true;
  },
  async start({ apps }) {
    const procs = await cb2p((cb) => pm2.start({ apps }, cb));
    return procs.length;
  },
  async list() {
    const l = await cb2p((cb) => pm2.list(cb));
    return l.map((p) => ({ name: p.name, pid: p.pid, status: p.pm2_env?.status, restarts: p.pm2_env?.restart_time ?? 0 }));
  },
  async disconnect() {
    pm2.disconnect();
    return true;
  },
};

process.on('message', async (msg) => {
  try {
    const fn = commands[msg.cmd];
    if (!fn) throw new Error(`unknown command ${msg.cmd}`);
    process.send({ id: msg.id, ok: true, value: await fn(msg.args ?? {}) });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) });
  }
});
process.on('disconnect', () => {
  try {
    pm2.disconnect();
  } catch {}
  process.exit(0);
});
process.send({ t: 'ready' });
