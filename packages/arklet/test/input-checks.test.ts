/**
 * The Arklet checks built-in inputs with functions generated from the TypeBox schemas at build time, so that
 * a base does not load TypeBox at start. These tests keep the generated file current and prove that each
 * generated check answers exactly what TypeBox's own compiled check answers, on valid and hostile values.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { BUILTIN_SCHEMAS, type BuiltinSchemaName } from '@nodeark/arklet/schemas';
// @ts-expect-error -- a plain .mjs script without types
import { renderInputChecks } from '../../../scripts/gen-arklet-checks.mjs';
import { inputChecks } from '../src/generated/input-checks.js';
import { prng } from '../../../test/helpers/prng.js';

const GENERATED = new URL('../src/generated/input-checks.ts', import.meta.url);

const FIELDS = ['bizUrl', 'bizName', 'bizVersion', 'args', 'envs', 'installStrategy', 'integrity', 'async', 'requestId', 'bizList', 'type', 'metrics'];

/** Values of every JSON shape, at and around the schemas' limits. */
function value(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * 12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return Math.floor(rand() * 1000) - 500;
    case 3:
      return 'x'.repeat([0, 1, 64, 65, 256, 257, 1024, 1025, 8192, 8193][Math.floor(rand() * 10)]!);
    case 4:
      return 'ok';
    case 5:
      return depth > 2 ? [] : Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth + 1));
    case 6:
      return Array.from({ length: [0, 64, 65, 256, 257, 1024, 1025][Math.floor(rand() * 7)]! }, () => 's');
    case 7:
      return depth > 2 ? {} : { a: value(rand, depth + 1), b: 'v' };
    case 8:
      return Object.fromEntries(Array.from({ length: [1, 1024, 1025][Math.floor(rand() * 3)]! }, (_, i) => [`K${i}`, 'v']));
    case 9:
      return undefined;
    case 10:
      return 1.5;
    default:
      return depth > 2 ? 'deep' : input(rand, depth + 1);
  }
}

/** An input object with a random subset of the commands' fields. */
function input(rand: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (rand() < 0.3) out[f] = value(rand, depth);
  return out;
}

describe('generated Arklet input checks', () => {
  it('the committed file is what the generator writes from the current schemas', () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(renderInputChecks());
  });

  it('covers every built-in schema', () => {
    expect(Object.keys(inputChecks).sort()).toEqual(Object.keys(BUILTIN_SCHEMAS).sort());
  });

  for (const name of Object.keys(BUILTIN_SCHEMAS) as BuiltinSchemaName[]) {
    it(`${name}: the generated check equals TypeBox's compiled check on 1000 values`, () => {
      const reference = TypeCompiler.Compile(BUILTIN_SCHEMAS[name]);
      const rand = prng(0x5eed + name.length);
      let accepted = 0;
      for (let i = 0; i < 1000; i++) {
        const v = i % 3 === 0 ? value(rand) : input(rand);
        const expected = reference.Check(v);
        if (inputChecks[name](v) !== expected) throw new Error(`${name} disagrees on ${JSON.stringify(v)?.slice(0, 300)}`);
        if (expected) accepted++;
      }
      // Both outcomes were exercised.
      expect(accepted).toBeGreaterThan(20);
      expect(accepted).toBeLessThan(1000);
    });
  }
});
