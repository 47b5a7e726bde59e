// Memory and file-descriptor readings from /proc (Linux). Every reader returns NaN when unavailable.
import { readFileSync, readdirSync } from 'node:fs';

function kbField(text, name) {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Resident set size of a process in bytes. */
export function rssOf(pid) {
  try {
    return kbField(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  } catch {
    return NaN;
  }
}

/**
 * Proportional set size (shared pages divided among the processes that map them) and unique set size
 * (private pages only: what the process costs on top of what is already resident) in bytes.
 */
export function pssOf(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = kbField(t, 'Pss');
    const uss = kbField(t, 'Private_Clean') + kbField(t, 'Private_Dirty');
    return { pss, uss, rss: kbField(t, 'Rss') };
  } catch {
    return { pss: NaN, uss: NaN, rss: NaN };
  }
}

/** Open file descriptors of a process. */
export function fdsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Threads of a process. */
export function threadsOf(pid) {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** The machine, for the report. */
export function machine() {
  let cpu = 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {}
  let memTotal = NaN;
  try {
    memTotal = kbField(readFileSync('/proc/meminfo', 'utf8'), 'MemTotal');
  } catch {}
  return { cpu, memTotal };
}

const CLK_TCK = 100; // USER_HZ on Linux; /proc times are in these ticks

function ticks(path) {
  try {
    const s = readFileSync(path, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after the command: state(0) ... utime(11) stime(12)
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

/** CPU time in ms used so far by a whole process and by its main thread (task id = pid). */
export function cpuOf(pid) {
  return { processMs: (ticks(`/proc/${pid}/stat`) * 1000) / CLK_TCK, mainMs: (ticks(`/proc/${pid}/task/${pid}/stat`) * 1000) / CLK_TCK };
}

/** CPU ms per thread of a process: `{ [tid]: ms }`. */
export function threadCpuOf(pid) {
  const out = {};
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) out[t] = (ticks(`/proc/${pid}/task/${t}/stat`) * 1000) / CLK_TCK;
  } catch {}
  return out;
}
