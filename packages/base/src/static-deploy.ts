/**
 * Static deployment: the modules in `com.alipay.sofa.ark.static.biz.dir` are installed at startup, grouped
 * by `priority` ascending, each group concurrently (Java `StaticBatchInstallEventListener`; the grouping of
 * docs/reference/arklet-protocol.md § batchInstallBiz). Any failure fails startup, as in Java
 * ("batch deploy failed!").
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  ERR_BUNDLE_UNKNOWN_FORMAT,
  hasCode,
  readBizManifest,
  stageBundle,
  type BizRuntime,
  type RuntimeLogger,
} from '@nodeark/runtime';
import { ERR_BASE_STATIC_DEPLOY } from './errors.js';

/** One module found in the static directory. */
export interface StaticEntry {
  bizUrl: string;
  bizName: string;
  bizVersion: string;
  priority: number;
}

/** Lists the static directory's modules (directories with a package.json, or archives), sorted by priority. */
export async function scanStaticDir(dir: string): Promise<StaticEntry[]> {
  const root = resolve(dir);
  const names = (await readdir(root)).filter((n) => !n.startsWith('.')).sort();
  const staging = await mkdtemp(join(tmpdir(), 'nodeark-static-'));
  try {
    const out: StaticEntry[] = [];
    for (const name of names) {
      const bizUrl = pathToFileURL(join(root, name)).href;
      let staged;
      try {
        staged = await stageBundle(bizUrl, { stagingDir: staging });
      } catch (err) {
        if (hasCode(err, ERR_BUNDLE_UNKNOWN_FORMAT.code)) continue; // README files and the like
        throw err;
      }
      try {
        const m = await readBizManifest(staged.root);
        out.push({ bizUrl, bizName: m.bizName, bizVersion: m.bizVersion, priority: m.priority });
      } finally {
        await staged.dispose();
      }
    }
    return out.sort((a, b) => a.priority - b.priority || a.bizName.localeCompare(b.bizName));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Installs the static modules in priority groups. Throws `NODEARK_ERR_BASE_STATIC_DEPLOY` on any failure. */
export async function deployStatic(runtime: BizRuntime, dir: string, logger: RuntimeLogger): Promise<StaticEntry[]> {
  let entries: StaticEntry[];
  try {
    entries = await scanStaticDir(dir);
  } catch (err) {
    throw new ERR_BASE_STATIC_DEPLOY(`cannot read ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const groups = new Map<number, StaticEntry[]>();
  for (const e of entries) groups.set(e.priority, [...(groups.get(e.priority) ?? []), e]);
  for (const priority of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(priority)!;
    const results = await Promise.allSettled(
      group.map((e) => runtime.install({ bizUrl: e.bizUrl, bizName: e.bizName, bizVersion: e.bizVersion })),
    );
    results.forEach((r, i) => {
      const e = group[i]!;
      if (r.status === 'rejected') {
        throw new ERR_BASE_STATIC_DEPLOY(`${e.bizName}:${e.bizVersion}: ${(r.reason as Error).message}`, { cause: r.reason });
      }
      if (r.value.code !== 'SUCCESS') throw new ERR_BASE_STATIC_DEPLOY(`${e.bizName}:${e.bizVersion}: ${r.value.message}`);
      logger.info({ biz: `${e.bizName}:${e.bizVersion}`, priority }, 'static module installed');
    });
  }
  return entries;
}
