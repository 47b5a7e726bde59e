/**
 * The console's three static files (docs/console.md): `index.html`, `console.js`, `console.css`, written by
 * hand (no framework, no build step) and copied next to the compiled code by `npm run build`
 * (scripts/copy-console-assets.mjs). Read once, when the console is mounted.
 */
import { readFile } from 'node:fs/promises';

/** A static file and its content type. */
export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
}

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

/** The file names, as served under the console path. */
export type ConsoleAssetName = keyof typeof FILES;

/** Reads the three files from `static/` beside this module. */
export async function loadConsoleAssets(): Promise<Record<ConsoleAssetName, ConsoleAsset>> {
  const dir = new URL('./static/', import.meta.url);
  const out = {} as Record<ConsoleAssetName, ConsoleAsset>;
  for (const [name, contentType] of Object.entries(FILES) as Array<[ConsoleAssetName, string]>) {
    let body: Buffer;
    try {
      body = await readFile(new URL(name, dir));
    } catch (err) {
      throw new Error(`the console's ${name} is missing beside ${dir.pathname} (run npm run build)`, { cause: err });
    }
    out[name] = { contentType, body };
  }
  return out;
}
