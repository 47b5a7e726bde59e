/**
 * Subresource-Integrity values (`sha512-<base64>`, as npm writes them) checked on an archive's bytes
 * before anything is unpacked, so a tampered or swapped bundle never reaches the extractor.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ERR_BUNDLE_INTEGRITY } from '../errors.js';
import { printable } from './redact-url.js';

/** Hash algorithms accepted in an integrity value, with their digest length in bytes. */
const DIGEST_BYTES = { sha256: 32, sha384: 48, sha512: 64 } as const;

/** A supported SRI algorithm. */
export type IntegrityAlgorithm = keyof typeof DIGEST_BYTES;

/** One parsed `<alg>-<base64>` token of an integrity value. */
export interface IntegrityHash {
  algorithm: IntegrityAlgorithm;
  digest: Buffer;
  /** The token as written (without `?options`). */
  text: string;
}

const TOKEN_RE = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$/;

/**
 * Parses an integrity value: one or more whitespace-separated `sha256-…`/`sha384-…`/`sha512-…` tokens.
 * Any malformed token (unknown algorithm, bad base64, wrong digest length) throws `ERR_BUNDLE_INTEGRITY`:
 * a typo must not silently disable the check.
 */
export function parseIntegrity(value: unknown, label: string): IntegrityHash[] {
  const malformed = (why: string): Error =>
    new ERR_BUNDLE_INTEGRITY(
      label,
      `malformed integrity "${printable(String(value), 120)}": ${why} (expected sha256-<base64> or sha512-<base64>)`,
    );
  if (typeof value !== 'string') throw malformed('not a string');
  const tokens = value.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) throw malformed('empty');
  return tokens.map((token) => {
    const m = TOKEN_RE.exec(token);
    if (!m) throw malformed(`bad token "${printable(token, 80)}"`);
    const algorithm = m[1] as IntegrityAlgorithm;
    const b64 = m[2] as string;
    const digest = Buffer.from(b64, 'base64');
    if (digest.length !== DIGEST_BYTES[algorithm] || digest.toString('base64') !== b64) {
      throw malformed(`${algorithm} digest must be ${DIGEST_BYTES[algorithm]} bytes in canonical base64`);
    }
    return { algorithm, digest, text: `${algorithm}-${b64}` };
  });
}

/** Computes `<alg>-<base64>` of a file for each requested algorithm, reading it once. */
export async function hashFile(
  file: string,
  algorithms: readonly IntegrityAlgorithm[],
): Promise<Map<IntegrityAlgorithm, Buffer>> {
  const hashes = new Map([...new Set(algorithms)].map((a) => [a, createHash(a)] as const));
  for await (const chunk of createReadStream(file)) {
    for (const h of hashes.values()) h.update(chunk as Buffer);
  }
  return new Map([...hashes].map(([a, h]) => [a, h.digest()] as const));
}

/**
 * Verifies `file` against the parsed integrity: passes when any token matches (several tokens are how a
 * publisher rotates algorithms). Throws `ERR_BUNDLE_INTEGRITY` naming the expected and actual values.
 */
export async function verifyFileIntegrity(
  file: string,
  expected: readonly IntegrityHash[],
  label: string,
): Promise<void> {
  const actual = await hashFile(
    file,
    expected.map((e) => e.algorithm),
  );
  for (const e of expected) {
    const got = actual.get(e.algorithm);
    if (got !== undefined && got.length === e.digest.length && timingSafeEqual(got, e.digest)) return;
  }
  const first = expected[0] as IntegrityHash;
  const got = actual.get(first.algorithm) as Buffer;
  throw new ERR_BUNDLE_INTEGRITY(
    label,
    `expected ${expected.map((e) => e.text).join(' ')}, got ${first.algorithm}-${got.toString('base64')}`,
  );
}
