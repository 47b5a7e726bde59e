/**
 * How rollouts compare module versions: semver precedence (not string order, not deployment order), a
 * rollback is a lower version, and a prerelease never wins over its release.
 */
import { describe, expect, it } from 'vitest';
import { compareModuleVersions, planRollout, rollbackTarget, versionChange, type HistoryEntry } from '@nodeark/rollout';
import { md, obs } from './helpers.js';

const entry = (version: string, completedAt: number): HistoryEntry => ({ version, url: `http://repo/provider-${version}.tgz`, replicas: 2, completedAt });
const history = (...versions: string[]): HistoryEntry[] => versions.map((v, i) => entry(v, i + 1));

describe('compareModuleVersions', () => {
  it('is semver precedence: 1.10.0 > 1.9.0 (string order says otherwise), a prerelease < its release', () => {
    expect(compareModuleVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect('1.10.0'.localeCompare('1.9.0')).toBeLessThan(0);
    expect(compareModuleVersions('2.0.0-rc.1', '2.0.0')).toBeLessThan(0);
    expect(compareModuleVersions('2.0.0-rc.2', '2.0.0-rc.10')).toBeLessThan(0);
    expect(compareModuleVersions('2.0.0-rc.1', '1.9.9')).toBeGreaterThan(0);
    expect(compareModuleVersions('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
  });

  it('has no answer when a version is not semver', () => {
    expect(compareModuleVersions('1.0', '1.0.0')).toBeUndefined();
    expect(compareModuleVersions('1.0.0', 'latest')).toBeUndefined();
  });
});

describe('versionChange', () => {
  it('a lower version is a rollback, a higher one an upgrade', () => {
    expect(versionChange(['2.0.0'], '1.9.0')).toBe('rollback');
    expect(versionChange(['1.9.0'], '1.10.0')).toBe('upgrade');
    expect(versionChange(['1.10.0'], '1.9.0')).toBe('rollback');
  });

  it('a prerelease never wins over its release', () => {
    expect(versionChange(['2.0.0'], '2.0.0-rc.1')).toBe('rollback');
    expect(versionChange(['2.0.0-rc.1'], '2.0.0')).toBe('upgrade');
  });

  it('is a rollback only when every old version is higher; versions without order are upgrades', () => {
    expect(versionChange(['2.0.0', '3.0.0'], '1.0.0')).toBe('rollback');
    expect(versionChange(['0.5.0', '3.0.0'], '1.0.0')).toBe('upgrade');
    expect(versionChange(['nightly'], '1.0.0')).toBe('upgrade');
    expect(versionChange([], '1.0.0')).toBe('upgrade');
  });
});

describe('rollbackTarget', () => {
  it('is the most recently completed lower version', () => {
    expect(rollbackTarget(history('1.0.0', '1.1.0', '2.0.0'), '2.0.0')?.version).toBe('1.1.0');
    expect(rollbackTarget(history('1.9.0', '1.10.0'), '1.10.0')?.version).toBe('1.9.0');
    expect(rollbackTarget(history('1.1.0', '1.0.0', '2.0.0'), '2.0.0')).toEqual(entry('1.0.0', 2));
  });

  it('never goes to a higher version, even one completed more recently', () => {
    // Rolled back from 2.0.0 to 1.0.0 already: 2.0.0 is a roll-forward, not a rollback.
    expect(rollbackTarget(history('1.0.0', '2.0.0', '1.0.0'), '1.0.0')).toBeUndefined();
    expect(rollbackTarget(history('0.9.0', '1.0.0', '2.0.0', '1.0.0'), '1.0.0')?.version).toBe('0.9.0');
  });

  it('a prerelease is below its release and never a target from it', () => {
    expect(rollbackTarget(history('1.0.0', '2.0.0-rc.1', '2.0.0'), '2.0.0')?.version).toBe('2.0.0-rc.1');
    expect(rollbackTarget(history('1.0.0', '2.0.0', '2.0.0-rc.1'), '2.0.0-rc.1')?.version).toBe('1.0.0');
  });

  it('falls back to the most recently completed other version when versions have no order', () => {
    expect(rollbackTarget(history('b', 'a', 'c'), 'c')?.version).toBe('a');
    expect(rollbackTarget(history('1.0.0', 'nightly'), 'nightly')?.version).toBe('1.0.0');
    expect(rollbackTarget(history('build-1', '2.0.0'), '2.0.0')?.version).toBe('build-1');
    expect(rollbackTarget(history('2.0.0'), '2.0.0')).toBeUndefined();
    expect(rollbackTarget([], '2.0.0')).toBeUndefined();
  });
});

describe('the planner', () => {
  it('summarises an in-place move to a lower version as a rollback, to a higher one as an upgrade', () => {
    const down = planRollout({ md: md({ replicas: 1, version: '1.9.0' }), observation: obs({ b1: { provider: '1.10.0' } }) });
    expect(down.actions).toEqual([expect.objectContaining({ kind: 'upgrade', base: 'b1', summary: 'roll back provider 1.10.0 → 1.9.0' })]);
    const rc = planRollout({ md: md({ replicas: 1, version: '2.0.0-rc.1' }), observation: obs({ b1: { provider: '2.0.0' } }) });
    expect(rc.actions[0]!.summary).toBe('roll back provider 2.0.0 → 2.0.0-rc.1');
    const up = planRollout({ md: md({ replicas: 1, version: '2.0.0' }), observation: obs({ b1: { provider: '2.0.0-rc.1' } }) });
    expect(up.actions[0]!.summary).toBe('upgrade provider 2.0.0-rc.1 → 2.0.0');
  });
});
