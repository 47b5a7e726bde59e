/**
 * Child processes a module spawns outlive `worker.terminate()` (measured, docs/security.md),
 * so the worker reports every spawned pid to the base, which ends them when the module stops or dies.
 * With the `deny` policy, spawning throws `NODEARK_ERR_BIZ_CHILD_PROCESS_DENIED` instead.
 * This is policy, not security: a module can still reach the OS in other ways (worker threads share the
 * process; docs/security.md).
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { ERR_BIZ_CHILD_PROCESS_DENIED } from '../errors.js';

/** `track`: spawn allowed, pids reported and ended on stop; `deny`: spawn refused. */
export type ChildProcessPolicy = 'track' | 'deny';

type Post = (msg: { t: 'child'; pid: number; alive: boolean }) => void;

/** Installs the guard in this worker (call once, before the module is imported). */
export function installChildProcessGuard(policy: ChildProcessPolicy, identity: string, post: Post): void {
  const require = createRequire(import.meta.url);
  const cp = require('node:child_process') as typeof import('node:child_process');
  const proto = cp.ChildProcess.prototype as unknown as { spawn: (this: import('node:child_process').ChildProcess, o: unknown) => unknown };
  const denied = (): Error => new ERR_BIZ_CHILD_PROCESS_DENIED(identity);
  const originalSpawn = proto.spawn;
  // Every async API (spawn, exec, execFile, fork) goes through ChildProcess.prototype.spawn.
  proto.spawn = function guardedSpawn(options: unknown) {
    if (policy === 'deny') throw denied();
    const result = originalSpawn.call(this, options);
    const pid = this.pid;
    if (typeof pid === 'number') {
      post({ t: 'child', pid, alive: true });
      this.once('exit', () => post({ t: 'child', pid, alive: false }));
    }
    return result;
  };
  if (policy === 'deny') {
    const mutable = cp as unknown as Record<string, unknown>;
    for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
      mutable[name] = () => {
        throw denied();
      };
    }
    // Make `import { execSync } from 'node:child_process'` see the replacements too.
    syncBuiltinESMExports();
  }
}
