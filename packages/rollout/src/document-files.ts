/**
 * The rollout documents as files: loading them (a relative module url resolves against the file's folder)
 * and editing a ModuleDeployment in place for `scale` and `rollback`, keeping a YAML file's comments and layout.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { parseText, readText } from './document-text.js';
import { ERR_ROLLOUT_READ } from './errors.js';
import { parseFleet } from './fleet.js';
import { parseModuleDeployment } from './module-deployment.js';
import type { Fleet, ModuleDeployment } from './types.js';

/** Reads and validates a ModuleDeployment file; a relative module url is resolved against the file's folder. */
export async function loadModuleDeployment(path: string): Promise<ModuleDeployment> {
  return parseModuleDeployment(parseText(await readText(path), path), {
    source: path,
    baseDir: dirname(resolve(path)),
  });
}

/** Reads and validates a fleet file. */
export async function loadFleet(path: string): Promise<Fleet> {
  return parseFleet(parseText(await readText(path), path), { source: path });
}

/** Edits of {@link editModuleDeploymentFile}. */
export interface ModuleDeploymentEdits {
  replicas?: number;
  version?: string;
  url?: string;
}

/**
 * Rewrites fields of a ModuleDeployment file in place (`scale`, `rollback`), keeping comments and layout
 * of YAML files; a JSON file stays JSON. Returns the changes as `field: old → new` lines (empty when
 * nothing changed, and then the file is not written).
 */
export async function editModuleDeploymentFile(path: string, edits: ModuleDeploymentEdits): Promise<string[]> {
  const text = await readText(path);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ERR_ROLLOUT_READ(path, doc.errors[0]!.message.split('\n')[0]);
  const changes: string[] = [];
  const set = (keys: string[], value: string | number | undefined): void => {
    if (value === undefined) return;
    const old = doc.getIn(keys) as unknown;
    if (old === value) return;
    changes.push(`${keys.join('.')}: ${old === undefined ? '(unset)' : String(old)} → ${value}`);
    doc.setIn(keys, value);
  };
  set(['spec', 'replicas'], edits.replicas);
  set(['spec', 'template', 'spec', 'module', 'version'], edits.version);
  set(['spec', 'template', 'spec', 'module', 'url'], edits.url);
  if (changes.length === 0) return changes;
  const json = text.trimStart().startsWith('{');
  const out = json ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString();
  // Validate before writing: never leave a file the next command cannot read.
  parseModuleDeployment(parseText(out, path), { source: path, baseDir: dirname(resolve(path)) });
  await writeFile(path, out);
  return changes;
}
