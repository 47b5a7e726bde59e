/**
 * "Did you mean …?" for the `nodeark` CLI: the closest known option to one that was mistyped. The edit
 * distance is the configuration kit's (`@nodeark/actuator` `config-kit.ts`), the one the configuration
 * loader's key suggestions use; the preferences below are the CLI's own (short options, prefixes).
 */
import { editDistance } from '@nodeark/actuator';

/**
 * Edit distance (optimal string alignment: insertions, deletions, substitutions and transpositions of two
 * adjacent characters each cost 1), so `--prot` is one edit away from `--port`. Re-exported from the kit.
 */
export { editDistance };

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
