// Bodies through the base vs direct: a 64 KiB POST echoed back
// and a 5 MiB streamed response (chunks under the link's credit window). A/B alternated, median of pairs.
import { abPairs } from '../lib/ab.mjs';
import { startBase } from '../lib/children.mjs';
import { FETCH_HELLO, NODE_HELLO, fileUrl } from '../lib/fixtures.mjs';
import { int, round } from '../lib/stats.mjs';

export const name = 'bodies';
export const title = '64 KiB POST echo and 5 MiB streamed response vs direct';

export async function run({ quick, log }) {
  const base = await startBase({
    direct: [
      { prefix: 'direct-fetch', dir: FETCH_HELLO, kind: 'fetch' },
      { prefix: 'direct-node', dir: NODE_HELLO, kind: 'node' },
    ],
  });
  try {
    for (const dir of [FETCH_HELLO, NODE_HELLO]) {
      const r = await base.call('install', { bizUrl: fileUrl(dir) });
      if (r.code !== 'SUCCESS') throw new Error(`install failed: ${r.message}`);
    }
    const pairs = quick ? 1 : 3;
    const durationSec = quick ? 2 : 3;
    const cases = [
      { id: 'echo64k', path: 'echo', label: 'POST 64 KiB echo', load: { connections: 10, durationSec, method: 'POST', bodyBytes: 65536, headers: { 'content-type': 'application/octet-stream' } } },
      { id: 'stream5m', path: 'big', label: 'GET 5 MiB streamed', load: { connections: 4, durationSec } },
    ];
    const rows = [];
    const data = { pairs };
    for (const c of cases) {
      for (const kind of ['fetch', 'node']) {
        log(`  ${c.label}, ${kind} module: ${pairs} pair(s) of ${durationSec} s, c=${c.load.connections}`);
        const r = await abPairs({
          base: base.url,
        pid: base.pid,
          a: `/${kind}/${c.path}`,
          b: `${base.directUrl}/direct-${kind}/${c.path}`,
          load: c.load,
          pairs,
          warmupSec: 1,
          log,
        });
        data[`${c.id}-${kind}`] = r;
        const failures = r.a.failures + r.b.failures;
        const mbs = (x) => `${round(x / 1048576, 0)} MiB/s`;
        rows.push({
          scenario: 'bodies',
          case: `${c.label}, ${kind === 'fetch' ? '`fetch`' : 'Node handler'}, req/s (p99)`,
          nodeark: `${int(r.a.rps)} (${r.a.p99} ms)${c.id === 'stream5m' ? `, ${mbs(r.a.bytesPerSec)}` : ''}`,
          baseline: `${int(r.b.rps)} (${r.b.p99} ms)${c.id === 'stream5m' ? `, ${mbs(r.b.bytesPerSec)}` : ''}`,
          ratio: round(r.ratio),
          budget: '— (0.70× shown for reference)',
          verdict: failures > 0 ? 'FAIL (errors)' : r.ratio >= 0.7 ? 'ok' : 'below 0.70×',
        });
      }
    }
    return { rows, data };
  } finally {
    await base.stop();
  }
}
