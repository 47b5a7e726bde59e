// Summarises a V8 .cpuprofile (as written by `node --cpu-prof`): self time per function, and total
// (inclusive) time for functions matching a filter.
import { readFileSync } from 'node:fs';

function label(cf) {
  const file = cf.url ? cf.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|packages|bench)\//, '$1/') : '';
  return `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
}

/** Returns `{ totalMs, self: [{ name, ms, pct }], byCategory }` for one profile file. */
export function summarize(path, top = 25) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const totalUs = prof.endTime - prof.startTime;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // timeDeltas[i] is the time before sample i; attribute it to the sampled node.
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const agg = new Map();
  const cat = new Map();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    const name = label(n.callFrame);
    agg.set(name, (agg.get(name) ?? 0) + us);
    const c = category(n.callFrame);
    cat.set(c, (cat.get(c) ?? 0) + us);
  }
  const busyUs = [...selfUs.entries()].filter(([id]) => !/^\((idle|program|garbage collector)\)$/.test(byId.get(id).callFrame.functionName)).reduce((a, [, us]) => a + us, 0);
  const self = [...agg.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / totalUs) * 1000) / 10 }));
  const byCategory = [...cat.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / totalUs) * 1000) / 10 }));
  return { file: path, totalMs: Math.round(totalUs / 1000), busyMs: Math.round(busyUs / 1000), self, byCategory };
}

function category(cf) {
  const u = cf.url;
  if (/^\((idle|program|garbage collector|root)\)$/.test(cf.functionName)) return cf.functionName;
  if (!u) return '(native / V8 builtins)';
  if (u.includes('/packages/runtime/')) return 'nodeark runtime';
  if (u.includes('/packages/')) return 'nodeark other';
  if (u.includes('/bench/')) return 'bench fixture / adapter';
  if (u.includes('node_modules/fastify') || u.includes('node_modules/find-my-way') || u.includes('node_modules/avvio')) return 'fastify';
  if (u.startsWith('node:internal/deps/undici')) return 'undici (fetch Request/Response)';
  if (u.startsWith('node:internal/webstreams')) return 'web streams';
  if (u.startsWith('node:_http') || u.startsWith('node:http')) return 'node http';
  if (u.startsWith('node:internal/worker') || u.includes('per_context/messageport')) return 'worker messaging';
  if (u.startsWith('node:internal/streams') || u.startsWith('node:stream')) return 'node streams';
  if (u.startsWith('node:')) return 'node other';
  return 'other';
}

/** Text rendering of a summary. */
export function renderSummary(s, title) {
  const lines = [`${title}: ${s.totalMs} ms profiled, ${s.busyMs} ms in JS/native (idle, program and GC excluded)`];
  lines.push('  by category:');
  for (const c of s.byCategory) lines.push(`    ${String(c.pct).padStart(5)}%  ${String(c.ms).padStart(6)} ms  ${c.name}`);
  lines.push('  top self time:');
  for (const f of s.self) lines.push(`    ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.name}`);
  return lines.join('\n');
}
