/**
 * The path rules of safe extraction, as pure functions. An archive entry name is turned into a list of
 * plain segments (never `..`, never absolute) before it is joined to the extraction directory, and a
 * symlink target is accepted only when it provably resolves inside it.
 */

/** Either the normalised segments of a path, or why it is refused. */
export type SegmentsResult = { ok: true; segments: string[] } | { ok: false; reason: string };

/**
 * Splits an archive entry name into segments, refusing anything that could leave the extraction
 * directory: NUL bytes, backslashes (a Windows separator on one side, a legal name byte on the other),
 * absolute paths, drive letters, and `..` segments. `.` and empty segments are dropped, so `./a//b/` is
 * `['a', 'b']` and `./` is `[]` (the extraction directory itself).
 */
export function entrySegments(name: string): SegmentsResult {
  if (name.includes('\0')) return { ok: false, reason: 'contains a NUL byte' };
  if (name.includes('\\')) return { ok: false, reason: 'contains a backslash' };
  if (name.startsWith('/')) return { ok: false, reason: 'is an absolute path' };
  if (/^[A-Za-z]:/.test(name)) return { ok: false, reason: 'starts with a drive letter' };
  const segments: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') return { ok: false, reason: 'contains a ".." segment' };
    segments.push(seg);
  }
  return { ok: true, segments };
}

/**
 * Checks a symlink target written at `linkSegments` (the link's own path inside the extraction dir).
 * Accepted targets are relative, made of some leading `..` (no more than the link's depth) followed by
 * plain names only. Refusing `a/../..`-style targets is deliberate: if `a` is itself a symlink, the real
 * resolution of `a/..` differs from the lexical one, and a chain of lexically-inside links can escape.
 * With "up first, then only down", and every link checked the same way, no chain can leave the root.
 * Returns the reason for refusal, or `undefined` when the target is safe.
 */
export function unsafeLinkTarget(linkSegments: readonly string[], target: string): string | undefined {
  if (target === '') return 'has an empty target';
  if (target.includes('\0')) return 'target contains a NUL byte';
  if (target.includes('\\')) return 'target contains a backslash';
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return `target "${target}" is absolute`;
  const depth = linkSegments.length - 1; // directories above the link, inside the root
  let ups = 0;
  let down = false;
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (down) return `target "${target}" goes down then up ("x/..")`;
      ups++;
      if (ups > depth) return `target "${target}" resolves outside the bundle`;
    } else {
      down = true;
    }
  }
  return undefined;
}
