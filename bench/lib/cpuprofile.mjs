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

/** Inclusive time per function (each sample counted once per distinct function on its stack). */
export function inclusive(path, top = 30) {
  const prof = JSON.parse(readFileSync(path, 'utf8'));
  const totalUs = prof.endTime - prof.startTime;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const key = label(byId.get(cur).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  return [...incl.entries()]
    .filter(([k]) => !/^\((root|idle|program)\)/.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / totalUs) * 1000) / 10 }));
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

// CLI: node bench/lib/cpuprofile.mjs <file.cpuprofile> [top]
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  console.log(renderSummary(summarize(file, Number(top ?? 30)), file));
  console.log('  top inclusive time:');
  for (const f of inclusive(file, Number(top ?? 30))) console.log(`    ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.name}`);
}
