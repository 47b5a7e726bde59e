/**
 * CPU time of one thread (user + system), for the per-module `nodeark_biz_cpu_seconds_total`
 * (docs/observability.md § Module workers). Node 20 has no per-thread CPU figure in a worker
 * (`process.cpuUsage()` is the whole process), so:
 *
 * - where `process.threadCpuUsage()` exists (newer Node lines), the worker reads it;
 * - otherwise, on Linux, the kernel's per-thread accounting in `/proc/thread-self/stat` (`utime`, `stime`)
 *   is read from inside the worker, and the worker reports its kernel thread id so that the base can read
 *   `/proc/self/task/<tid>/stat` itself at snapshot time: a worker stuck in a loop never reports, and it
 *   is the one whose CPU time matters most;
 * - elsewhere the figure is absent.
 *
 * The `/proc` figures are in clock ticks. `USER_HZ` is 100 on every Linux architecture Node supports (it is
 * what `getconf CLK_TCK` prints; the kernel fixes it for user space independently of `CONFIG_HZ`), so the
 * resolution is 10 ms.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of `/proc/.../stat` (`getconf CLK_TCK`). */
export const CLOCK_TICKS_PER_SECOND = 100;

type ThreadCpuUsage = () => { user: number; system: number };

/**
 * `utime + stime` of a `/proc/.../stat` line, in seconds; undefined when the text is not one. The command
 * name (field 2) is in parentheses and may itself contain spaces or parentheses, so fields are counted from
 * the last `)`: `utime` and `stime` are fields 14 and 15.
 */
export function parseStatCpuSeconds(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** `utime + stime` of the file at `path` (a `/proc/.../stat`), seconds; undefined when unreadable. */
export function readStatCpuSeconds(path: string): number | undefined {
  try {
    return parseStatCpuSeconds(readFileSync(path, 'latin1'));
  } catch {
    return undefined;
  }
}

/** The calling thread's CPU time (user + system), seconds; undefined where no source exists. */
export function currentThreadCpuSeconds(): number | undefined {
  const fn = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;
  if (typeof fn === 'function') {
    const u = fn.call(process);
    return (u.user + u.system) / 1e6;
  }
  return process.platform === 'linux' ? readStatCpuSeconds('/proc/thread-self/stat') : undefined;
}

/**
 * The calling thread's kernel thread id on Linux (`/proc/thread-self` links to `<pid>/task/<tid>`), so that
 * another thread of the process can read its `stat`; undefined elsewhere.
 */
export function currentKernelThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const m = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time of a thread of this process by kernel thread id (Linux), seconds; undefined when unreadable. */
export function kernelThreadCpuSeconds(tid: number): number | undefined {
  return readStatCpuSeconds(`/proc/self/task/${tid}/stat`);
}
