// Time from process start until a base is ready (Arklet `health` SUCCESS and /actuator/health 200), and the
// process PSS then. Run it alternately against two builds to compare them in one run:
//   node bench/probes/ready.mjs packages/base/dist/index.js
//   for i in 1 2 3 4 5 6 7; do node bench/probes/ready.mjs <before>/index.js; node bench/probes/ready.mjs packages/base/dist/index.js; done
// PSS counts shared pages by the number of processes sharing them: on a machine running other node
// processes it is lower than a lone base's.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = pathToFileURL(resolve(process.argv[2] ?? 'packages/base/dist/index.js')).href;
const { createBase } = await import(entry);
const base = await createBase({
  env: {},
  config: {
    'server.port': 0,
    'server.address': '127.0.0.1',
    'koupleless.arklet.http.port': 0,
    'koupleless.arklet.http.host': '127.0.0.1',
    'nodeark.store.dir': join(tmpdir(), `nodeark-ready-${process.pid}`),
    'logging.level.root': 'warn',
  },
});
const { url, arkletUrl } = await base.listen();
const health = await (await fetch(`${arkletUrl}/health`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json();
const actuator = await fetch(`${url}/actuator/health`);
const readyMs = performance.now();
if (health.code !== 'SUCCESS' || actuator.status !== 200) throw new Error(`not ready: Arklet ${health.code}, actuator ${actuator.status}`);
const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? NaN) / 1024;
console.log(JSON.stringify({ readyMs: Math.round(readyMs), pssMiB: Math.round(pss * 10) / 10 }));
await base.close();
process.exit(0);
