// Module fixtures: the templates under bench/fixtures, renamed copies for multi-module scenarios, and
// .tgz bundles packed with the runtime's own packBundle (what `nodeark pack` writes).
import { cp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const FETCH_HELLO = join(FIXTURES, 'fetch-hello');
export const NODE_HELLO = join(FIXTURES, 'node-hello');
export const VERSIONED = join(FIXTURES, 'versioned');
export const EXPRESS_HELLO = join(FIXTURES, 'express-hello');
export const LIVE = join(FIXTURES, 'live');

/** `file:` URL of a directory or file. */
export const fileUrl = (p) => pathToFileURL(p).href;

/** Copies `template` to `dest` with a new identity (bizName doubles as package name and context path). */
export async function variant(template, dest, { bizName, bizVersion = '1.0.0', webContextPath = bizName }) {
  await mkdir(dest, { recursive: true });
  await cp(template, dest, { recursive: true });
  const pkgPath = join(dest, 'package.json');
  const pkg = JSON.parse(await readFile(pkgPath, 'utf8'));
  pkg.name = bizName;
  pkg.version = bizVersion;
  pkg.nodeark = { ...pkg.nodeark, bizName, bizVersion, webContextPath };
  await writeFile(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  return dest;
}

/** Packs a module directory into `<outDir>/<bizName>-<bizVersion>-ark-biz.tgz` with `packBundle`. */
export async function packTgz(dir, outDir) {
  const { packBundle } = await import('@nodeark/runtime');
  const r = await packBundle(dir, { format: 'tgz', outDir });
  return r.file;
}
