/**
 * `nodeark rollout` end to end: the documented command sequence against three real bases (install in two
 * batches with a beta and a confirmation, upgrade, rollback, scale, offline), exit codes, the JSON output,
 * a blocked apply (§4.1 case 7) and usage/document errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, startFleet, type TestFleet } from './fleet-harness.js';
// The CLI entry of the `nodeark` package (its package exports do not expose the CLI).
import { main } from '../../base/dist/cli/main.js';

let tf: TestFleet;
let md: string;
let fleetFile: string;

function capture(): { io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const mk = (append: (s: string) => void) => ({ write: (s: string) => (append(String(s)), true) }) as unknown as NodeJS.WritableStream;
  return { io: { stdout: mk((s) => (out += s)), stderr: mk((s) => (err += s)) }, out: () => out, err: () => err };
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await main(['rollout', ...args], c.io);
  return { code, out: c.out(), err: c.err() };
}

const mdYaml = (version: string) => `# provider, rolled out by the CLI test
apiVersion: koupleless.io/v1alpha1
kind: ModuleDeployment
metadata:
  name: provider
spec:
  baseDeploymentName: test-fleet
  replicas: 3
  template:
    spec:
      module:
        name: provider
        version: ${version}
        url: ${fixture(`provider-${version}`)} # where the bundle is
  operationStrategy:
    batchCount: 1
    useBeta: true
    needConfirm: true
    upgradePolicy: installThenUninstall
  schedulingStrategy:
    schedulingPolicy: Scatter
`;

beforeAll(async () => {
  tf = await startFleet(['b1', 'b2', 'b3']);
  md = join(tf.dir, 'md.yaml');
  await writeFile(md, mdYaml('1.0.0'));
  fleetFile = await tf.writeFleet();
});
afterAll(async () => {
  await tf?.close();
});

describe('nodeark rollout', () => {
  it('prints its usage; usage errors exit 2', async () => {
    const help = capture();
    expect(await main(['rollout', '--help'], help.io)).toBe(0);
    expect(help.out()).toContain('Usage: nodeark rollout <plan|apply|status|confirm|scale|rollback|delete>');
    const listed = capture();
    await main(['--help'], listed.io);
    expect(listed.out()).toMatch(/rollout\s+Roll a ModuleDeployment out/);
    expect((await cli()).code).toBe(2);
    expect((await cli('frob', '-f', md)).err).toContain('unknown sub-command "frob"');
    expect((await cli('apply')).err).toContain('-f <md.yaml> is required');
    expect((await cli('apply', '-f', md, '--fleet', fleetFile, '--replicas', '2')).err).toContain('--replicas applies to scale only');
    expect((await cli('scale', '-f', md, '--fleet', fleetFile)).err).toContain('scale needs --replicas');
    expect((await cli('apply', '-f', md, '--fleet', fleetFile, '--bogus')).err).toContain('unknown option --bogus');
  });

  it('an invalid document exits 2 and names the file and the field', async () => {
    const bad = join(tf.dir, 'bad.yaml');
    await writeFile(bad, mdYaml('1.0.0').replace('batchCount: 1', 'bachCount: 2'));
    const r = await cli('plan', '-f', bad, '--fleet', fleetFile);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: spec.operationStrategy.bachCount is not a known field (did you mean spec.operationStrategy.batchCount?) [NODEARK_ERR_ROLLOUT_INVALID_DEPLOYMENT]`);
    const wrongFleet = join(tf.dir, 'other-fleet.yaml');
    await writeFile(wrongFleet, (await readFile(fleetFile, 'utf8')).replace('name: test-fleet', 'name: prod'));
    const m = await cli('plan', '-f', md, '--fleet', wrongFleet);
    expect(m.code).toBe(2);
    expect(m.err).toContain('targets base deployment "test-fleet" but the fleet is "prod" [NODEARK_ERR_ROLLOUT_FLEET_MISMATCH]');
  });

  it('install in two batches (beta + confirmation), upgrade, rollback, scale, offline — the docs/rollouts.md sequence', async () => {
    const f = ['-f', md, '--fleet', fleetFile];
    const plan = await cli('plan', ...f);
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('batch 1/2 [beta] → 1 updated\n  b1: install provider:1.0.0\n  pause: confirm\nbatch 2/2 → 3 updated\n  b2: install provider:1.0.0\n  b3: install provider:1.0.0');
    expect(plan.out).toContain('outcome: completes');
    expect(await tf.modules()).toEqual({ b1: [], b2: [], b3: [] }); // plan changes nothing

    const apply = await cli('apply', ...f);
    expect(apply.code).toBe(3);
    expect(apply.out).toContain(`paused after batch 1/2: check it, then run \`nodeark rollout confirm -f ${md} --fleet ${fleetFile}\``);
    expect(apply.out).toMatch(/b1\s+Available/);
    const status = await cli('status', ...f, '--json');
    expect(status.code).toBe(3);
    expect(JSON.parse(status.out)).toMatchObject({ phase: 'WaitingForConfirmation', pause: { afterBatch: 1, kind: 'confirm' }, updated: 1 });
    // The confirmation gate lives next to the md file.
    const saved = JSON.parse(await readFile(`${md}.rollout.json`, 'utf8')) as { release: { confirmed: number[] } };
    expect(saved.release.confirmed).toEqual([]);

    const wrong = await cli('confirm', ...f, '--batch', '2');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('paused after batch 1 of 2, not batch 2 [NODEARK_ERR_ROLLOUT_NOT_PAUSED]');
    const confirm = await cli('confirm', ...f);
    expect(confirm.code).toBe(0);
    expect(confirm.out).toContain('batch 1 confirmed');
    expect(confirm.out).toContain('completed: provider:1.0.0 on 3/3 bases (b1, b2, b3)');

    // Upgrade: edit the version, apply with --yes (no pause), JSON events.
    await writeFile(md, mdYaml('2.0.0'));
    const up = await cli('apply', ...f, '--yes', '--json');
    expect(up.code).toBe(0);
    // One JSON document on stdout: the result and the events (streamed as JSON lines on stderr meanwhile).
    const doc = JSON.parse(up.out) as { result: { phase: string }; events: Array<Record<string, unknown>> };
    expect(doc.events.filter((l) => l['event'] === 'confirmed')).toEqual([{ event: 'confirmed', batch: 1, auto: true }]);
    expect(doc.events.find((l) => l['event'] === 'base' && l['status'] === 'Upgrading')).toMatchObject({ operation: 'upgrade provider 1.0.0 → 2.0.0' });
    expect(doc.result.phase).toBe('Completed');
    expect((await tf.get('b2', '/provider/')).body).toBe('2.0.0');

    // Rollback: back to the last completed other version, written into the md file (comments kept).
    const back = await cli('rollback', ...f, '--yes');
    expect(back.code).toBe(0);
    expect(back.out).toContain('spec.template.spec.module.version: 2.0.0 → 1.0.0');
    const text = await readFile(md, 'utf8');
    expect(text).toContain('version: 1.0.0');
    expect(text).toContain('# where the bundle is');
    expect(text).toContain('# provider, rolled out by the CLI test');
    expect(Object.values(await tf.modules())).toEqual([['provider:1.0.0:activated'], ['provider:1.0.0:activated'], ['provider:1.0.0:activated']]);

    // Scale down to 2 (file edited), then offline.
    const scale = await cli('scale', ...f, '--replicas', '2', '--yes');
    expect(scale.code).toBe(0);
    expect(scale.out).toContain('spec.replicas: 3 → 2');
    expect(Object.values(await tf.modules()).filter((v) => v.length > 0)).toHaveLength(2);
    const dry = await cli('delete', ...f, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('→ 0 left');
    expect(Object.values(await tf.modules()).filter((v) => v.length > 0)).toHaveLength(2);
    const del = await cli('delete', ...f, '--yes');
    expect(del.code).toBe(0);
    expect(del.out).toContain('completed: provider removed from the fleet');
    expect(await tf.modules()).toEqual({ b1: [], b2: [], b3: [] });
    const after = await cli('status', ...f);
    expect(after.code).toBe(0);
    expect(after.out).toContain('completed: provider is on no base');
  });

  it('on a terminal the progress view is a board redrawn in place', async () => {
    const tty = join(tf.dir, 'tty.yaml');
    await writeFile(tty, mdYaml('2.0.0').replace('replicas: 3', 'replicas: 2').replace('useBeta: true', 'useBeta: false'));
    let out = '';
    const stdout = { isTTY: true, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    const stderr = capture().io.stderr;
    expect(await main(['rollout', 'apply', '-f', tty, '--fleet', fleetFile], { stdout, stderr })).toBe(0);
    expect(out).toContain('\x1b[');
    expect(out).toMatch(/batch 1\/1\s+done/);
    expect(out).toMatch(/b1\s+Available/);
    expect(out).toContain('completed: provider:2.0.0 on 2/2 bases (b1, b2)');
    expect((await cli('delete', '-f', tty, '--fleet', fleetFile)).code).toBe(0);
    expect(await tf.modules()).toEqual({ b1: [], b2: [], b3: [] });
  });

  it('4.1.7: a blocked apply exits 1 with the reason on stderr', async () => {
    const full = join(tf.dir, 'full-fleet.yaml');
    await writeFile(full, (await readFile(fleetFile, 'utf8')).replace('bases:', 'max-module-count: 0\nbases:'));
    const r = await cli('apply', '-f', md, '--fleet', full, '--state', join(tf.dir, 'other.state.json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nodeark rollout apply: blocked \(InsufficientCapacity\): batch 1 needs 2 more bases for provider:1\.0\.0 .*full: b1 \(0\/0 modules\), b2/);
    const plan = await cli('plan', '-f', md, '--fleet', full);
    expect(plan.code).toBe(1);
    expect(plan.out).toContain('outcome: BLOCKED (InsufficientCapacity)');
  });
});

