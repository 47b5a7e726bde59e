/**
 * Reading a rollout document: the file's text, and that text parsed as YAML (JSON being YAML), with
 * failures raised as `NODEARK_ERR_ROLLOUT_READ` naming the file and, for syntax errors, the line.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ERR_ROLLOUT_READ } from './errors.js';

/** Parses YAML or JSON text into a plain value; a syntax error is `NODEARK_ERR_ROLLOUT_READ` naming the line. */
export function parseText(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ERR_ROLLOUT_READ(source, e.message.split('\n')[0]);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Reads a document or state file as UTF-8; any failure is `NODEARK_ERR_ROLLOUT_READ` naming the path. */
export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ERR_ROLLOUT_READ(path, (err as Error).message, { cause: err });
  }
}
