/**
 * The error registries stay the single source of error codes. Reads every `.ts` file under `packages/<name>/src/` with
 * the TypeScript parser (so comments and TSDoc never count) and enforces:
 *
 * - A registry entry is `export const ERR_<AREA>_<WHAT> = create…Error('NODEARK_ERR_<AREA>_<WHAT>', …)` in a
 *   package's `src/errors.ts` (`createError`, `createClientError`, `createRolloutError`, …). Its code matches
 *   /^NODEARK_ERR_[A-Z]+(_[A-Z0-9]+)+$/, is unique across all packages, and the constant is named after it
 *   (code minus the `NODEARK_` prefix), so a reference by name always means one entry.
 * - No `NODEARK_ERR_…` string (quotes or template) appears anywhere else in src: code that needs the
 *   string reads it from the entry (`ERR_X.code`), so a typo cannot produce an unregistered code.
 * - Every entry is used: some src file other than its definition references the constant as a value —
 *   raises it (`new ERR_X(…)` / `ERR_X(…)`), reads `ERR_X.code` / `ERR_X.statusCode` (an edge answer, a
 *   `hasCode` check), or hands the constructor to code that raises it; `mod.ERR_X` (a namespace or a
 *   dynamically imported package) counts like `ERR_X`. `import { ERR_X }` and re-exports
 *   (`export { ERR_X }`, `export *`) do not count: an entry exported for users to match on is only worth
 *   documenting if something raises it. An unused entry documents an error users can never see.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../', import.meta.url));
const CODE_SHAPE = /^NODEARK_ERR_[A-Z]+(_[A-Z0-9]+)+$/;
const FACTORY = /^create\w*Error$/;

interface Entry {
  name: string;
  code: string;
  where: string;
}

interface SourceFile {
  rel: string;
  isRegistry: boolean;
  sf: ts.SourceFile;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function loadSources(): SourceFile[] {
  const out: SourceFile[] = [];
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const src = join(root, 'packages', pkg, 'src');
    try {
      if (!statSync(src).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const file of walk(src).sort()) {
      const rel = relative(root, file);
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      out.push({ rel, isRegistry: rel === join('packages', pkg, 'src', 'errors.ts'), sf });
    }
  }
  return out;
}

function at(file: SourceFile, node: ts.Node): string {
  const { line } = file.sf.getLineAndCharacterOfPosition(node.getStart(file.sf));
  return `${file.rel}:${line + 1}`;
}

function visit(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  ts.forEachChild(node, (child) => visit(child, fn));
}

/** The string literal is the first argument of a registry definition (`export const X = create…Error('…', …)`). */
function isRegistryCode(file: SourceFile, lit: ts.Node): boolean {
  const call = lit.parent;
  if (!file.isRegistry || !ts.isCallExpression(call) || call.arguments[0] !== lit) return false;
  if (!ts.isIdentifier(call.expression) || !FACTORY.test(call.expression.text)) return false;
  const decl = call.parent;
  if (!ts.isVariableDeclaration(decl) || decl.initializer !== call || !ts.isIdentifier(decl.name)) return false;
  const stmt = decl.parent.parent;
  return (
    ts.isVariableStatement(stmt) &&
    (decl.parent.flags & ts.NodeFlags.Const) !== 0 &&
    (ts.getModifiers(stmt) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

function collect(files: SourceFile[]): { entries: Entry[]; strays: string[]; defNodes: Set<ts.Node> } {
  const entries: Entry[] = [];
  const strays: string[] = [];
  const defNodes = new Set<ts.Node>();
  for (const file of files) {
    visit(file.sf, (node) => {
      const text =
        ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
          ? node.text
          : ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)
            ? node.text
            : undefined;
      if (text === undefined || !text.includes('NODEARK_ERR_')) return;
      if (isRegistryCode(file, node)) {
        const decl = node.parent.parent as ts.VariableDeclaration;
        defNodes.add(decl.name);
        entries.push({ name: (decl.name as ts.Identifier).text, code: text, where: at(file, node) });
      } else {
        strays.push(`${at(file, node)} ${JSON.stringify(text)}`);
      }
    });
  }
  return { entries, strays, defNodes };
}

/** Identifier occurrences that use the constant as a value (not its declaration, not import/export lists). */
function isValueUse(node: ts.Identifier, defNodes: Set<ts.Node>): boolean {
  if (defNodes.has(node)) return false;
  const p = node.parent;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) return false;
  // `typeof ERR_X` in a type raises nothing.
  if (ts.isTypeQueryNode(p) || ts.isQualifiedName(p)) return false;
  // `mod.ERR_X` is the entry read through a namespace or a dynamically imported module, so it counts;
  // a key named ERR_X (`{ ERR_X: … }`) is not the constant.
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p)) && p.name === node) return false;
  return true;
}

const files = loadSources();
const { entries, strays, defNodes } = collect(files);

describe('error registries', () => {
  it('finds the registries', () => {
    expect(entries.length).toBeGreaterThan(30);
  });

  it('codes have the NODEARK_ERR_<AREA>_<WHAT> shape and the constant is named after the code', () => {
    const bad = entries
      .filter((e) => !CODE_SHAPE.test(e.code) || e.name !== e.code.replace(/^NODEARK_/, ''))
      .map((e) => `${e.where} ${e.name} = ${e.code}`);
    expect(bad).toEqual([]);
  });

  it('every code is defined once across all packages', () => {
    const seen = new Map<string, string[]>();
    for (const e of entries) seen.set(e.code, [...(seen.get(e.code) ?? []), e.where]);
    const dup = [...seen].filter(([, where]) => where.length > 1).map(([code, where]) => `${code}: ${where.join(', ')}`);
    expect(dup).toEqual([]);
  });

  it('no NODEARK_ERR_ string outside a registry definition (use ERR_X.code)', () => {
    expect(strays).toEqual([]);
  });

  it('every registry entry is raised or its code used somewhere in src', () => {
    const used = new Set<string>();
    const names = new Set(entries.map((e) => e.name));
    for (const file of files) {
      visit(file.sf, (node) => {
        if (ts.isIdentifier(node) && names.has(node.text) && isValueUse(node, defNodes)) used.add(node.text);
      });
    }
    const dead = entries.filter((e) => !used.has(e.name)).map((e) => `${e.where} ${e.name}`);
    expect(dead).toEqual([]);
  });
});
