/**
 * "Did you mean …?" for the `nodeark` CLI and the configuration loader: the closest known option or key to one
 * that was mistyped.
 */

/**
 * Edit distance between two strings (optimal string alignment: insertions, deletions, substitutions and
 * transpositions of two adjacent characters each cost 1), so `--prot` is one edit away from `--port`.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows are enough: the transposition looks two rows back.
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The first of the shortest names (a shorter name is the more general one: `server.port` before `…http.port`). */
function shortest(names: string[]): string | undefined {
  let best: string | undefined;
  for (const n of names) if (best === undefined || n.length < best.length) best = n;
  return best;
}

/**
 * The known option closest to `typed`, as `--name`, or undefined when none is close enough.
 *
 * `typed` is the option as given (`--port`, `-p`, `--jsn`); `candidates` are the long names the command
 * knows, without dashes, most relevant first (the command's own options before configuration keys).
 * In order of preference:
 * 1. a name equal but for case (`--JSON`);
 * 2. a dotted name whose last segment is `typed` (`--port` → `--server.port`; the shortest wins);
 * 3. for a one-letter short option, the first name (or last dotted segment) starting with that letter
 *    (`-p` → `--server.port`, `-t` → `--timeout`);
 * 4. the smallest edit distance, on the whole name or on a dotted name's last segment, within a third of
 *    the length (`--tiemout` → `--timeout`, `--prot` → `--server.port`);
 * 5. a name that `typed` is a prefix of, from three letters (`--dry` → `--dry-run`).
 */
export function suggestOption(typed: string, candidates: readonly string[]): string | undefined {
  const short = /^-[^-]$/.test(typed);
  const name = typed.replace(/^-+/, '').toLowerCase();
  if (name === '') return undefined;
  const lower = candidates.map((c) => [c, c.toLowerCase()] as const);
  const pick = (c: string | undefined): string | undefined => (c === undefined ? undefined : `--${c}`);

  if (short) {
    return pick(lower.find(([, l]) => l.startsWith(name) || lastSegment(l).startsWith(name))?.[0]);
  }
  const exact = lower.find(([, l]) => l === name);
  if (exact) return pick(exact[0]);
  const bySegment = shortest(lower.filter(([, l]) => l.includes('.') && lastSegment(l) === name).map(([c]) => c));
  if (bySegment) return pick(bySegment);

  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: { c: string; d: number } | undefined;
  for (const [c, l] of lower) {
    const d = Math.min(editDistance(name, l), l.includes('.') && !name.includes('.') ? editDistance(name, lastSegment(l)) : Infinity);
    if (d <= limit && (best === undefined || d < best.d || (d === best.d && c.length < best.c.length))) best = { c, d };
  }
  if (best) return pick(best.c);
  if (name.length >= 3) return pick(lower.find(([, l]) => l.startsWith(name))?.[0]);
  return undefined;
}
