/**
 * The ModuleDeployment and fleet documents: the seed's v1 shape (both spellings of the policies, §3.1),
 * defaults, accepted-but-ignored fields, errors that name the field; the state file and its lock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  checkFleetMatches,
  editModuleDeploymentFile,
  emptyState,
  FileStateStore,
  loadFleet,
  loadModuleDeployment,
  parseFleet,
  parseModuleDeployment,
  recordHistory,
} from '@nodeark/rollout';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollout-docs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SEED = `
apiVersion: koupleless.alipay.com/v1alpha1
kind: ModuleDeployment
metadata:
  name: dynamic-provider
  namespace: default
spec:
  baseDeploymentName: dynamic-stock-deployment
  template:
    spec:
      module:
        name: dynamic-provider
        version: '1.0.0'
        url: http://serverless-opensource.oss-cn-shanghai.aliyuncs.com/module-packages/stable/dynamic-provider-1.0.0-ark-biz.jar
  replicas: 2
  operationStrategy:
    needConfirm: true
    grayTimeBetweenBatchSeconds: 120
    useBeta: true
    batchCount: 2
    upgradePolicy: installThenUninstall
  schedulingStrategy:
    schedulingPolicy: Scatter
`;

function errorOf(fn: () => unknown): { code?: string; field?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; field?: string; message: string };
  }
  throw new Error('expected an error');
}

const base = () => ({
  spec: { replicas: 2, template: { spec: { module: { name: 'p', version: '1', url: 'http://x/p.tgz' } } } },
});

describe('ModuleDeployment', () => {
  it('reads the seed doc example (docs spelling of the group and the policies)', () => {
    const md = parseModuleDeployment(SEED);
    expect(md).toMatchObject({
      name: 'dynamic-provider',
      baseDeploymentName: 'dynamic-stock-deployment',
      module: { name: 'dynamic-provider', version: '1.0.0' },
      replicas: 2,
      schedulingPolicy: 'scatter',
      operationStrategy: { needConfirm: true, useBeta: true, batchCount: 2, grayTimeBetweenBatchSeconds: 120, upgradePolicy: 'install_then_uninstall' },
      warnings: [],
    });
  });

  it('defaults: one batch, scatter, install_then_uninstall, no pauses; JSON works too', () => {
    const md = parseModuleDeployment(JSON.stringify(base()));
    expect(md.operationStrategy).toEqual({ needConfirm: false, useBeta: false, batchCount: 1, grayTimeBetweenBatchSeconds: 0, upgradePolicy: 'install_then_uninstall' });
    expect(md.schedulingPolicy).toBe('scatter');
    expect(md.name).toBe('p');
  });

  it('accepts every spelling of the upgrade policies and template.spec.upgradePolicy', () => {
    for (const [raw, norm] of [
      ['install_then_uninstall', 'install_then_uninstall'],
      ['installThenUninstall', 'install_then_uninstall'],
      ['uninstallThenInstall', 'uninstall_then_install'],
      ['scaleup_then_scaledown', 'scaleup_then_scaledown'],
      ['scaleupThenScaledown', 'scaleup_then_scaledown'],
    ]) {
      const d = base() as { spec: Record<string, unknown> };
      d.spec['operationStrategy'] = { upgradePolicy: raw };
      expect(parseModuleDeployment(d).operationStrategy.upgradePolicy).toBe(norm);
    }
    const t = base() as { spec: { template: { spec: Record<string, unknown> } } };
    t.spec.template.spec['upgradePolicy'] = 'uninstall_then_install';
    expect(parseModuleDeployment(t).operationStrategy.upgradePolicy).toBe('uninstall_then_install');
  });

  it('names the field of every error', () => {
    const cases: [unknown, string, RegExp][] = [
      [{}, 'spec', /spec is required/],
      [{ spec: { ...base().spec, replicas: -2 } }, 'spec.replicas', /must be an integer ≥ -1, got -2/],
      [{ spec: { ...base().spec, replicas: '2' } }, 'spec.replicas', /got "2"/],
      [{ spec: { replicas: 1, template: { spec: { module: { name: 'p', url: 'http://x' } } } } }, 'spec.template.spec.module.version', /is required/],
      [{ spec: { ...base().spec, operationStrategy: { batchCount: 'two' } } }, 'spec.operationStrategy.batchCount', /got "two"/],
      [{ spec: { ...base().spec, operationStrategy: { needConfirm: 'yes' } } }, 'spec.operationStrategy.needConfirm', /must be true or false/],
      [{ spec: { ...base().spec, operationStrategy: { upgradePolicy: 'rolling' } } }, 'spec.operationStrategy.upgradePolicy', /install_then_uninstall, uninstall_then_install or scaleup_then_scaledown/],
      [{ spec: { ...base().spec, operationStrategy: { grayTimeBetweenBatchSeconds: -1 } } }, 'spec.operationStrategy.grayTimeBetweenBatchSeconds', /≥ 0/],
      [{ spec: { ...base().spec, schedulingStrategy: { schedulingPolicy: 'random' } } }, 'spec.schedulingStrategy.schedulingPolicy', /scatter or stacking/],
      [{ spec: { ...base().spec, operationStrategy: { bachCount: 2 } } }, 'spec.operationStrategy.bachCount', /did you mean spec.operationStrategy.batchCount/],
      [{ apiVersion: 'apps/v1', ...base() }, 'apiVersion', /koupleless.io\/v1alpha1/],
      [{ kind: 'Deployment', ...base() }, 'kind', /ModuleDeployment/],
      [{ spec: { ...base().spec, selector: { matchExpressions: [] } } }, 'spec.selector.matchExpressions', /not a known field/],
      [{ spec: { replicas: 1, template: { spec: { module: { name: '../p', version: '1', url: 'http://x' } } } } }, 'spec.template.spec.module.name', /module name/],
      [{ spec: { replicas: 1, template: { spec: { module: { name: 'p', version: '1', url: 'ftp://x' } } } } }, 'spec.template.spec.module.url', /file:, http: or https:/],
    ];
    for (const [doc, field, msg] of cases) {
      const e = errorOf(() => parseModuleDeployment(doc, { source: 'md.yaml' }));
      expect(e.code).toBe('NODEARK_ERR_ROLLOUT_INVALID_DEPLOYMENT');
      expect(e.field).toBe(field);
      expect(e.message).toMatch(/^md\.yaml: /);
      expect(e.message).toMatch(msg);
    }
    const y = errorOf(() => parseModuleDeployment('spec: [unclosed', { source: 'md.yaml' }));
    expect(y.code).toBe('NODEARK_ERR_ROLLOUT_READ');
  });

  it('v1 fields with no effect are warnings; maxUnavailable as a number or a percentage', () => {
    const d = { spec: { ...base().spec, minReadySeconds: 5, confirmBatchNum: 1, operationStrategy: { maxUnavailable: '50%' } } };
    const md = parseModuleDeployment(d);
    expect(md.warnings).toEqual(['spec.minReadySeconds is accepted but has no effect', 'spec.confirmBatchNum is accepted but has no effect']);
    expect(md.operationStrategy.maxUnavailable).toBe(1);
  });

  it('a relative module url is resolved against the md file; editing keeps comments', async () => {
    const path = join(dir, 'md.yaml');
    await writeFile(path, '# top comment\nspec:\n  replicas: 2 # two\n  template:\n    spec:\n      module: {name: p, version: "1", url: ./bundles/p}\n');
    expect((await loadModuleDeployment(path)).module.url).toBe(`file://${dir}/bundles/p`);
    expect(await editModuleDeploymentFile(path, { replicas: 4 })).toEqual(['spec.replicas: 2 → 4']);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('# top comment');
    expect(text).toContain('replicas: 4 # two');
    expect(await editModuleDeploymentFile(path, { replicas: 4 })).toEqual([]);
    // JSON stays JSON.
    const json = join(dir, 'md.json');
    await writeFile(json, JSON.stringify(base()));
    await editModuleDeploymentFile(json, { version: '2', url: 'http://x/p2.tgz' });
    expect(JSON.parse(await readFile(json, 'utf8')).spec.template.spec.module).toEqual({ name: 'p', version: '2', url: 'http://x/p2.tgz' });
  });
});

describe('fleet', () => {
  it('reads bases with labels and max-module-count from a field, a label or the fleet default', async () => {
    const path = join(dir, 'fleet.yaml');
    await writeFile(
      path,
      `metadata: {name: stock}
max-module-count: 4
bases:
  - {name: b1, arklet: "http://10.0.0.1:1238", labels: {zone: a}}
  - {name: b2, arkletUrl: "http://10.0.0.2:1238", maxModuleCount: 2}
  - {name: b3, url: "10.0.0.3", labels: {koupleless.io/max-module-count: "3"}}
  - "http://10.0.0.4:1300"
`,
    );
    const fleet = await loadFleet(path);
    expect(fleet.name).toBe('stock');
    expect(fleet.bases.map((b) => [b.name, b.arkletUrl, b.maxModuleCount])).toEqual([
      ['b1', 'http://10.0.0.1:1238/', 4],
      ['b2', 'http://10.0.0.2:1238/', 2],
      ['b3', 'http://10.0.0.3:1238/', 3],
      ['10.0.0.4:1300', 'http://10.0.0.4:1300/', 4],
    ]);
    expect(fleet.bases[0]!.labels).toEqual({ zone: 'a' });
    expect(parseFleet({ spec: { bases: ['http://h:1'] } }).bases).toHaveLength(1);
  });

  it('names the field of every error', () => {
    const cases: [unknown, string, RegExp][] = [
      [{}, 'bases', /is required/],
      [{ bases: [] }, 'bases', /at least one base/],
      [{ bases: [{ name: 'b1' }] }, 'bases[0].arklet', /is required/],
      [{ bases: [{ arklet: 'ftp://h' }] }, 'bases[0].arklet', /http: or https:/],
      [{ bases: [{ name: 'a', arklet: 'http://h:1' }, { name: 'a', arklet: 'http://h:2' }] }, 'bases[1].name', /used by two bases/],
      [{ bases: [{ name: 'a', arklet: 'http://h:1' }, { name: 'b', arklet: 'http://h:1' }] }, 'bases[1].arklet', /also the Arklet of base a/],
      [{ bases: [{ arklet: 'http://h:1', 'max-module-count': -1 }] }, 'bases[0].max-module-count', /integer ≥ 0/],
      [{ bases: [{ arklet: 'http://h:1', labels: { 'koupleless.io/max-module-count': 'x' } }] }, 'bases[0].labels.koupleless.io/max-module-count', /non-negative integer/],
      [{ bases: [{ arklet: 'http://h:1', lables: {} }] }, 'bases[0].lables', /did you mean bases\[0\].labels/],
    ];
    for (const [doc, field, msg] of cases) {
      const e = errorOf(() => parseFleet(doc, { source: 'fleet.yaml' }));
      expect(e.code).toBe('NODEARK_ERR_ROLLOUT_INVALID_FLEET');
      expect(e.field).toBe(field);
      expect(e.message).toMatch(msg);
    }
  });

  it('baseDeploymentName must match the fleet name when both are given', () => {
    const md = parseModuleDeployment(SEED);
    expect(() => checkFleetMatches(md, { name: 'other', bases: [] })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_ROLLOUT_FLEET_MISMATCH' }));
    expect(() => checkFleetMatches(md, { bases: [] })).not.toThrow();
  });
});

describe('state file', () => {
  it('round-trips, keeps a bounded history, rejects a corrupt file with advice', async () => {
    const store = new FileStateStore(join(dir, 'md.yaml.rollout.json'));
    expect(await store.load()).toBeUndefined();
    const s = emptyState('p');
    for (let i = 0; i < 25; i++) recordHistory(s, { version: String(i % 3 === 0 ? i - 1 : i), url: 'u', replicas: 1, completedAt: i });
    await store.save(s);
    const back = await store.load();
    expect(back!.history.length).toBeLessThanOrEqual(20);
    await writeFile(store.path, '{"version":2}');
    await expect(store.load()).rejects.toMatchObject({ code: 'NODEARK_ERR_ROLLOUT_STATE', message: expect.stringContaining('delete it to start over') });
  });

  it('the lock excludes a second holder and is taken over from a dead process', async () => {
    const store = new FileStateStore(join(dir, 's.json'));
    const release = await store.lock();
    await expect(new FileStateStore(join(dir, 's.json')).lock()).rejects.toMatchObject({ code: 'NODEARK_ERR_ROLLOUT_LOCKED' });
    await release();
    // A lock left by a process that no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(join(dir, 's.json.lock'), `${dead}\n`);
    const again = await store.lock();
    await again();
  });
});
