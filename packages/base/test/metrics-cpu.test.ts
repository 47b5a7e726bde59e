/**
 * Per-module CPU time (docs/observability.md § Module workers): a real base with a module that spins its
 * worker's CPU and one that idles; the spinning one must show more CPU seconds in `runtime.metrics()`,
 * `/actuator/prometheus` and `/actuator/metrics`. Plus the `/proc/<…>/stat` parsing on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';
import { parseStatCpuSeconds } from '../../runtime/src/metrics/thread-cpu.js';
import { loopbackConfig } from './helpers/loopback-config.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const BURN = pathToFileURL(join(fixtures, 'cpu-burn')).href;
const IDLE = pathToFileURL(join(fixtures, 'metrics-b')).href;
const linux = process.platform === 'linux';
const hasThreadCpu = typeof (process as unknown as { threadCpuUsage?: unknown }).threadCpuUsage === 'function';

let base: NodearkBase;
let url: string;
let tmp: string;

function cpuOf(name: string): number | undefined {
  return base.runtime.metrics().modules.find((m) => m.bizName === name)?.worker?.cpuSeconds;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-cpu-'));
  base = await createBase({
    env: {},
    config: loopbackConfig(tmp, { 'management.endpoints.web.exposure.include': 'health,prometheus,metrics' }),
  });
  ({ url } = await base.listen());
  for (const bizUrl of [BURN, IDLE]) expect((await base.runtime.install({ bizUrl })).code).toBe('SUCCESS');
});

afterAll(async () => {
  await base?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('parseStatCpuSeconds', () => {
  it('reads utime + stime (fields 14, 15) in 100 Hz ticks, counting from the last parenthesis', () => {
    // A thread name with spaces and parentheses must not shift the fields.
    const stat = '4242 (a (b) c) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 75 0 0 20 0 12 0 100 0 0';
    expect(parseStatCpuSeconds(stat)).toBeCloseTo(3.25, 10);
    expect(parseStatCpuSeconds('no parenthesis here')).toBeUndefined();
    expect(parseStatCpuSeconds('1 (x) S 1 2')).toBeUndefined();
  });
});

describe.runIf(linux || hasThreadCpu)('nodeark_biz_cpu_seconds_total', () => {
  it('shows more CPU seconds for a module that spins than for one that idles', async () => {
    // The first figure comes with the worker's first report, just after it is ready.
    const first = Date.now() + 3000;
    while ((cpuOf('metrics-b') === undefined || cpuOf('cpu-burn') === undefined) && Date.now() < first) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const idle0 = cpuOf('metrics-b');
    const burn0 = cpuOf('cpu-burn');
    expect(typeof idle0).toBe('number');
    expect(typeof burn0).toBe('number');
    // A fixed computation in the cpu-burn worker (about 1.2 s of CPU on a current core, whatever the load of the
    // machine, which only stretches the wall time), three requests; the idle module answers a few requests.
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/burn/work?n=80`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/mb/item/${i}`)).status).toBe(200);

    // On Linux the base reads the worker's thread from /proc at snapshot time; elsewhere the figure comes
    // with the worker's next report (every 5 s), so wait for it, bounded.
    const deadline = Date.now() + 8000;
    while ((cpuOf('cpu-burn') ?? 0) - burn0! < 0.5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const burned = cpuOf('cpu-burn')! - burn0!;
    const idled = cpuOf('metrics-b')! - idle0!;
    // Generous bounds for slower CPUs; a process-wide figure would show the same increase for both modules.
    expect(burned).toBeGreaterThan(0.5);
    expect(burned).toBeLessThan(10);
    expect(idled).toBeLessThan(0.3);
    expect(burned).toBeGreaterThan(idled + 0.4);

    const text = await (await fetch(`${url}/actuator/prometheus`)).text();
    expect(text).toMatch(/^# TYPE nodeark_biz_cpu_seconds_total counter$/m);
    const series = (name: string): number => {
      const re = new RegExp(`^nodeark_biz_cpu_seconds_total\\{biz_name="${name}",biz_version="[^"]+"\\} (\\S+)$`, 'm');
      const m = re.exec(text);
      expect(m, `a nodeark_biz_cpu_seconds_total series for ${name}`).not.toBeNull();
      return Number(m![1]);
    };
    expect(series('cpu-burn')).toBeGreaterThan(series('metrics-b') + 0.4);

    const res = await fetch(`${url}/actuator/metrics/nodeark.biz.cpu?tag=biz_name:cpu-burn`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { baseUnit: string; measurements: Array<{ statistic: string; value: number }> };
    expect(body.baseUnit).toBe('seconds');
    expect(body.measurements[0]!.statistic).toBe('COUNT');
    expect(body.measurements[0]!.value).toBeGreaterThan(0.5);
  });
});
