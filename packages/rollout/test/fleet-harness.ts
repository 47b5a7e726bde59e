/**
 * Real nodeark bases on loopback for the end-to-end rollout tests: each base is `createBase()` with its own
 * store, an ephemeral server port and an ephemeral Arklet port, silent logs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArkletClient } from '@nodeark/client';
import type { Fleet, FleetBase } from '@nodeark/rollout';
import { createBase, type NodearkBase } from 'nodeark';

/** The `file:` URL of a module fixture directory. */
export function fixture(name: string): string {
  return pathToFileURL(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))).href;
}

export interface RunningBase {
  name: string;
  base: NodearkBase;
  url: string;
  arkletUrl: string;
  maxModuleCount?: number;
  stopped: boolean;
}

export interface TestFleet {
  dir: string;
  bases: RunningBase[];
  /** Names of the bases marked `cordon: true` in the fleet document. */
  cordoned: Set<string>;
  /** The fleet document of the running (and stopped) bases. */
  fleet(): Fleet;
  /** Starts one more base. */
  add(name: string, maxModuleCount?: number): Promise<RunningBase>;
  /** Closes one base (its Arklet stops answering). */
  stop(name: string): Promise<void>;
  /** `name → ['provider:1.0.0:activated', …]` of the live bases (the `other` filler module left out unless asked). */
  modules(all?: boolean): Promise<Record<string, string[]>>;
  /** Installs a module directly (fixtures: capacity fillers). */
  install(name: string, bizName: string, bizVersion: string, dir: string): Promise<void>;
  /** GET `/<path>` on a base's HTTP port. */
  get(name: string, path: string): Promise<{ status: number; body: string }>;
  /** Writes the fleet file (YAML) and returns its path. */
  writeFleet(file?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startFleet(names: string[], options: { max?: Record<string, number> } = {}): Promise<TestFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'nodeark-rollout-'));
  const bases: RunningBase[] = [];
  const clients = new Map<string, ArkletClient>();
  const client = (b: RunningBase): ArkletClient => {
    let c = clients.get(b.name);
    if (!c) clients.set(b.name, (c = new ArkletClient({ baseUrl: b.arkletUrl, timeoutMs: 20_000 })));
    return c;
  };
  const byName = (name: string): RunningBase => {
    const b = bases.find((x) => x.name === name);
    if (!b) throw new Error(`no base ${name}`);
    return b;
  };
  async function add(name: string, maxModuleCount?: number): Promise<RunningBase> {
    const base = await createBase({
      env: {},
      config: {
        'server.port': 0,
        'server.address': '127.0.0.1',
        'koupleless.arklet.http.port': 0,
        'koupleless.arklet.http.address': '127.0.0.1',
        'nodeark.store.dir': join(dir, name),
        'logging.level.root': 'silent',
      },
    });
    const { url, arkletUrl } = await base.listen();
    const rb: RunningBase = { name, base, url, arkletUrl, stopped: false, ...(maxModuleCount !== undefined ? { maxModuleCount } : {}) };
    bases.push(rb);
    return rb;
  }
  const cordoned = new Set<string>();
  const tf: TestFleet = {
    dir,
    bases,
    cordoned,
    fleet: () => ({
      name: 'test-fleet',
      bases: bases.map((b): FleetBase => ({
        name: b.name,
        arkletUrl: new URL(b.arkletUrl).href,
        labels: {},
        ...(b.maxModuleCount !== undefined ? { maxModuleCount: b.maxModuleCount } : {}),
        ...(cordoned.has(b.name) ? { cordon: true } : {}),
      })),
    }),
    add,
    async stop(name) {
      const b = byName(name);
      b.stopped = true;
      await clients.get(name)?.close();
      clients.delete(name);
      await b.base.close();
    },
    async modules(all = false) {
      const out: Record<string, string[]> = {};
      for (const b of bases) {
        if (b.stopped) continue;
        const res = await client(b).queryAllBiz();
        out[b.name] = (res.data ?? [])
          .filter((z) => all || z.bizName !== 'other')
          .map((z) => `${z.bizName}:${z.bizVersion}:${z.bizState}`)
          .sort();
      }
      return out;
    },
    async install(name, bizName, bizVersion, fixtureDir) {
      const res = await client(byName(name)).installBiz({ bizName, bizVersion, bizUrl: fixture(fixtureDir) });
      if (res.code !== 'SUCCESS') throw new Error(`install ${bizName} on ${name}: ${JSON.stringify(res)}`);
    },
    async get(name, path) {
      const res = await fetch(new URL(path, byName(name).url));
      return { status: res.status, body: await res.text() };
    },
    async writeFleet(file = join(dir, 'fleet.yaml')) {
      const lines = ['apiVersion: nodeark.io/v1alpha1', 'kind: Fleet', 'metadata:', '  name: test-fleet', 'bases:'];
      for (const b of bases) {
        lines.push(`  - name: ${b.name}`, `    arklet: ${b.arkletUrl}`);
        if (b.maxModuleCount !== undefined) lines.push(`    max-module-count: ${b.maxModuleCount}`);
      }
      await writeFile(file, `${lines.join('\n')}\n`);
      return file;
    },
    async close() {
      for (const c of clients.values()) await c.close().catch(() => {});
      clients.clear();
      for (const b of bases) if (!b.stopped) await b.base.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  for (const name of names) await add(name, options.max?.[name]);
  return tf;
}
