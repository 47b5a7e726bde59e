import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain .mjs script without types
import { renderConfigDoc } from '../../../scripts/gen-config-doc.mjs';
// @ts-expect-error plain .mjs script without types
import { renderErrorsDoc } from '../../../scripts/gen-errors-doc.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('docs stay true to the code', () => {
  it('docs/configuration.md is generated from the current schema (run `npm run docs:config`)', () => {
    expect(readFileSync(join(root, 'docs/configuration.md'), 'utf8')).toBe(renderConfigDoc() as string);
  });

  it('docs/errors.md is generated from the current registries (run `npm run docs:errors`)', () => {
    expect(readFileSync(join(root, 'docs/errors.md'), 'utf8')).toBe(renderErrorsDoc() as string);
  });

  it('docs/errors.md lists every NODEARK_ERR_* code defined in the packages', () => {
    const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
    const codes = new Set<string>();
    for (const pkg of readdirSync(join(root, 'packages'))) {
      const src = join(root, 'packages', pkg, 'src');
      try {
        statSync(src);
      } catch {
        continue;
      }
      for (const file of sources(src)) {
        for (const m of readFileSync(file, 'utf8').matchAll(/create\w*Error\(\s*'(NODEARK_ERR_[A-Z0-9_]+)'/g)) codes.add(m[1]!);
      }
    }
    expect(codes.size).toBeGreaterThan(20);
    const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });
});
