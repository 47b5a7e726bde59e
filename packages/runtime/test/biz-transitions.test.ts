/**
 * The registry's transition table (docs/module-contract.md § Lifecycle): every legal move is accepted and
 * recorded, every other one is refused with NODEARK_ERR_BIZ_ILLEGAL_TRANSITION and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { ERR_BIZ_ILLEGAL_TRANSITION, hasCode, type BizState, type BizTransitionEvent } from '@nodeark/runtime';
import { BIZ_TRANSITIONS, BizRegistry, isLegalTransition } from '../dist/biz-registry.js';
import type { BizRecord } from '../dist/biz-record.js';

const STATES: BizState[] = ['unresolved', 'resolved', 'activated', 'deactivated', 'broken', 'stopped'];

/** The table as the lifecycle documentation draws it, written out so a change to it is a visible decision. */
const EXPECTED: Record<BizState, BizState[]> = {
  unresolved: ['resolved'],
  resolved: ['activated', 'deactivated', 'broken'],
  activated: ['deactivated', 'broken'],
  deactivated: ['activated', 'broken', 'stopped'],
  broken: ['activated', 'deactivated', 'stopped'],
  stopped: [],
};

function record(state: BizState, history = state !== 'unresolved'): BizRecord {
  return {
    bizName: 'demo',
    bizVersion: '1.0.0',
    identity: 'demo:1.0.0',
    state,
    records: history ? [{ changeTime: 1, state, reason: 'Created', message: '' }] : [],
    webContextPath: 'demo',
    priority: 100,
    bizUrl: 'file:///nowhere',
    mainClass: 'index.mjs',
    dir: '/nowhere',
    args: [],
    envs: {},
    integrity: undefined,
    serves: 'none',
    mountRewrite: true,
    healthIndicators: [],
    installTime: 1,
    host: undefined,
    busyChecks: 0,
    stuck: undefined,
    uninstalling: undefined,
  };
}

function registry(): { reg: BizRegistry; events: BizTransitionEvent[] } {
  const events: BizTransitionEvent[] = [];
  return { reg: new BizRegistry((e) => events.push(e)), events };
}

describe('biz transition table', () => {
  it('is the documented table, frozen', () => {
    expect(Object.fromEntries(STATES.map((s) => [s, [...BIZ_TRANSITIONS[s]]]))).toEqual(EXPECTED);
    expect(Object.keys(BIZ_TRANSITIONS).sort()).toEqual([...STATES].sort());
    expect(Object.isFrozen(BIZ_TRANSITIONS)).toBe(true);
    for (const s of STATES) expect(Object.isFrozen(BIZ_TRANSITIONS[s])).toBe(true);
  });

  it('never moves a state to itself, and never stops an activated module without deactivating it', () => {
    for (const s of STATES) expect(isLegalTransition(s, s)).toBe(false);
    expect(isLegalTransition('activated', 'stopped')).toBe(false);
  });

  for (const from of STATES) {
    for (const to of STATES) {
      const legal = EXPECTED[from].includes(to);
      it(`${legal ? 'accepts' : 'refuses'} ${from} → ${to}`, () => {
        const { reg, events } = registry();
        const rec = record(from);
        const before = rec.records.length;
        if (legal) {
          reg.move(rec, to, 'Started', 'why');
          expect(rec.state).toBe(to);
          expect(rec.records).toHaveLength(before + 1);
          expect(rec.records.at(-1)).toMatchObject({ state: to, reason: 'Started', message: 'why' });
          expect(events).toHaveLength(1);
          // A record without history (a fresh `unresolved` one) reports its first move as coming from nowhere.
          const reported = from === 'unresolved' ? null : from;
          expect(events[0]).toMatchObject({ identity: 'demo:1.0.0', from: reported, to, reason: 'Started', message: 'why' });
          expect(events[0]!.biz.bizState).toBe(to);
        } else {
          let thrown: unknown;
          try {
            reg.move(rec, to, 'Started');
          } catch (err) {
            thrown = err;
          }
          expect(hasCode(thrown, ERR_BIZ_ILLEGAL_TRANSITION.code)).toBe(true);
          expect((thrown as Error).message).toBe(`Module demo:1.0.0 cannot move from ${from} to ${to} (Started)`);
          expect(rec.state).toBe(from);
          expect(rec.records).toHaveLength(before);
          expect(events).toHaveLength(0);
        }
      });
    }
  }

  it('registers a fresh record as resolved, reported as coming from nowhere', () => {
    const { reg, events } = registry();
    const rec = record('unresolved');
    reg.register(rec);
    expect(reg.get('demo:1.0.0')).toBe(rec);
    expect(rec.state).toBe('resolved');
    expect(events[0]).toMatchObject({ from: null, to: 'resolved', reason: 'Created' });
  });

  it('walks install → switch away → switch back → uninstall through legal moves only', () => {
    const { reg, events } = registry();
    const rec = record('unresolved');
    reg.register(rec);
    reg.move(rec, 'activated', 'Started');
    reg.move(rec, 'deactivated', 'Switched');
    reg.move(rec, 'activated', 'Switched');
    reg.move(rec, 'deactivated', 'Killing');
    reg.move(rec, 'stopped', 'Stopped');
    expect(events.map((e) => `${e.from ?? '-'}>${e.to}`)).toEqual([
      '->resolved',
      'resolved>activated',
      'activated>deactivated',
      'deactivated>activated',
      'activated>deactivated',
      'deactivated>stopped',
    ]);
    expect(reg.remove(rec)).toBe(true);
    expect(reg.remove(rec)).toBe(false);
    expect(reg.get('demo:1.0.0')).toBeUndefined();
  });
});
