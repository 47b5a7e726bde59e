/**
 * The declaration form of configuration keys and the one coercion of their values, shared by every nodeark
 * package (docs/configuration.md). A package declares each key once as a plain object (kind, default,
 * description, optional enum values, bounds and environment name); the base's loader composes every
 * package's declarations and turns each given value into its typed value here, and nowhere else, so a
 * spelling (`TRUE`, `WHEN_AUTHORIZED`, `1TB`, `30s`) gets one answer whichever package owns the key.
 *
 * It lives in `@nodeark/actuator` because that is the lowest package both the base and the actuator's own
 * `actuatorConfigFromProperties` can import; it imports nothing, so it adds no module to a base's start
 * beyond this file, and it knows no package's keys.
 */

/** Value kinds. `raw`: a scalar passed through as given (free-form keys such as `info.*`). */
export type ConfigKind = 'string' | 'int' | 'port' | 'bool' | 'duration' | 'bytes' | 'list' | 'enum' | 'raw';

/** A configuration value once coerced. */
export type ConfigValue = string | number | boolean | string[];

/** One key's declaration: everything the loader, the docs and `--help-config` need to know about it. */
export interface ConfigKeyDef {
  /** How a value is read (see {@link coerceConfigValue}). */
  readonly kind: ConfigKind;
  /** The default, already typed (durations in ms, sizes in bytes); undefined: unset unless given. */
  readonly default: string | number | boolean | readonly string[] | undefined;
  /** One line for docs/configuration.md and `nodeark start --help-config`. */
  readonly description: string;
  /** Allowed values of an `enum`, in their canonical spelling (lower case, `-` between words). */
  readonly values?: readonly string[];
  /** Inclusive minimum of a number (`int`, `port`, `duration` in ms, `bytes`). */
  readonly min?: number;
  /** Inclusive maximum of a number. */
  readonly max?: number;
  /** The environment variable, when it is not the Spring relaxed name of the key ({@link envNamesOf}). */
  readonly env?: string;
  /** What the docs show as the default when it is not a value (`0.0.0.0`, "the first free port"). */
  readonly docDefault?: unknown;
}

/**
 * A family of keys whose last segments are free: `<prefix><suffix>`. Either every key of the family has
 * the declaration `value`, or the suffix is `<name>.<setting>` and `settings` declares each setting (a
 * setting ending in `.` is itself a family: `status.http-mapping.` takes `<STATUS>`).
 */
export interface ConfigPatternDef {
  /** Ends with a dot: `management.endpoint.health.status.http-mapping.`. */
  readonly prefix: string;
  /** The free part as the docs write it: `<STATUS>`, `<name>.<setting>`. */
  readonly placeholder: string;
  /** One line for the docs. */
  readonly description: string;
  /** The declaration of every key of the family. */
  readonly value?: ConfigKeyDef;
  /** The declarations of `<name>.<setting>` keys, by setting. */
  readonly settings?: Readonly<Record<string, ConfigKeyDef>>;
  /** Environment variable prefix for the family (the rest of the name is the suffix as written). */
  readonly envPrefix?: string;
}

/** What {@link coerceConfigValue} answers: the typed value, or the accepted forms (and a close one). */
export type CoerceResult =
  | { readonly ok: true; readonly value: ConfigValue }
  | { readonly ok: false; readonly expected: string; readonly suggestion?: string };

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i;
const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?$/i;
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };
/** Unit spellings people write that are not units here, and the unit they meant. */
const DURATION_ALIASES: Record<string, string> = {
  ...Object.fromEntries(['sec', 'secs', 'second', 'seconds'].map((u) => [u, 's'])),
  ...Object.fromEntries(['min', 'mins', 'minute', 'minutes'].map((u) => [u, 'm'])),
  ...Object.fromEntries(['hr', 'hrs', 'hour', 'hours'].map((u) => [u, 'h'])),
  day: 'd',
  days: 'd',
  millis: 'ms',
};

/** The accepted forms of a kind, as the error text says them after "expected". */
export function acceptedForms(def: ConfigKeyDef): string {
  switch (def.kind) {
    case 'string':
      return 'a string';
    case 'raw':
      return 'a scalar value';
    case 'bool':
      return 'true or false (any case)';
    case 'int':
      return `an integer${range(def)}`;
    case 'port':
      return 'an integer (a port number 0-65535)';
    case 'duration':
      return `a duration${range(def, 'ms')}: milliseconds, or with a unit (500ms, 30s, 2m, 1h, 1d) or ISO-8601 (PT30S)`;
    case 'bytes':
      return `a data size${range(def, ' bytes')}: bytes, or with a unit (512KB, 10MB, 1GB, 1TB; any case)`;
    case 'list':
      return 'a comma-separated list';
    case 'enum':
      return `one of ${(def.values ?? []).join(', ')} (any case, _ for -)`;
  }
}

function range(def: ConfigKeyDef, unit = ''): string {
  if (def.min !== undefined && def.max !== undefined) return ` from ${def.min}${unit} to ${def.max}${unit}`;
  if (def.min !== undefined) return ` of at least ${def.min}${unit}`;
  if (def.max !== undefined) return ` of at most ${def.max}${unit}`;
  return '';
}

/**
 * The typed value of `raw` for a key declared `def`, or why not. Strings (files, the environment, the
 * command line) and already-typed values (JSON, programmatic options) give the same answer, and a typed
 * value comes back unchanged, so coercing twice is harmless. Spring's spellings: booleans in any case;
 * enums in any case with `_` for `-` (`WHEN_AUTHORIZED`); sizes in B/KB/MB/GB/TB (powers of 1024, any
 * case); durations in ms/s/m/h/d or ISO-8601. Strings are trimmed.
 */
export function coerceConfigValue(def: ConfigKeyDef, raw: unknown): CoerceResult {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  const fail = (suggestion?: string): CoerceResult => {
    const expected = acceptedForms(def);
    return suggestion === undefined ? { ok: false, expected } : { ok: false, expected, suggestion };
  };
  switch (def.kind) {
    case 'string':
    case 'raw':
      if (typeof text === 'string' || typeof text === 'number' || typeof text === 'boolean') {
        return { ok: true, value: def.kind === 'string' ? String(text) : text };
      }
      return fail();
    case 'bool': {
      if (typeof text === 'boolean') return { ok: true, value: text };
      const lower = typeof text === 'string' ? text.toLowerCase() : undefined;
      if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
      return fail(lower === undefined ? undefined : closest(lower, ['true', 'false']));
    }
    case 'int':
    case 'port': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) return fail();
      return bounded(def, n, def.kind === 'port' ? 0 : undefined, def.kind === 'port' ? 65535 : undefined);
    }
    case 'duration': {
      if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? bounded(def, Math.round(text)) : fail();
      if (typeof text !== 'string') return fail();
      const m = DURATION.exec(text);
      if (m) return bounded(def, Math.round(Number(m[1]) * DURATION_MS[(m[2] ?? 'ms').toLowerCase()]!));
      const iso = text.length > 1 && !/T$/i.test(text) ? ISO_DURATION.exec(text) : null;
      if (iso && iso.slice(1).some((g) => g !== undefined)) {
        const [d, h, mi, s] = iso.slice(1).map((g) => Number(g ?? 0)) as [number, number, number, number];
        return bounded(def, Math.round(((d * 24 + h) * 60 + mi) * 60_000 + s * 1000));
      }
      const alias = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text);
      const unit = alias ? DURATION_ALIASES[alias[2]!.toLowerCase()] : undefined;
      return fail(unit === undefined ? undefined : `${alias![1]}${unit}`);
    }
    case 'bytes': {
      if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? bounded(def, Math.round(text)) : fail();
      if (typeof text !== 'string') return fail();
      const m = SIZE.exec(text);
      if (m) return bounded(def, Math.round(Number(m[1]) * SIZE_BYTES[(m[2] ?? 'b').toLowerCase()]!));
      // `10M`, `1g`: the unit without its B.
      const short = /^(\d+(?:\.\d+)?)\s*([kmgt])(?:i?b)?$/i.exec(text);
      return fail(short ? `${short[1]}${short[2]!.toUpperCase()}B` : undefined);
    }
    case 'list':
      if (typeof text === 'string') return { ok: true, value: splitList(text) };
      if (Array.isArray(text) && text.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) {
        return { ok: true, value: text.map((x) => String(x).trim()).filter((x) => x !== '') };
      }
      return fail();
    case 'enum': {
      if (typeof text !== 'string') return fail();
      const values = def.values ?? [];
      const wanted = enumForm(text);
      const hit = values.find((v) => enumForm(v) === wanted);
      if (hit !== undefined) return { ok: true, value: hit };
      return fail(closest(wanted, values));
    }
  }
}

function bounded(def: ConfigKeyDef, n: number, lo?: number, hi?: number): CoerceResult {
  const min = def.min ?? lo;
  const max = def.max ?? hi;
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    return { ok: false, expected: def.kind === 'port' ? 'a port number 0-65535' : acceptedForms(def) };
  }
  return { ok: true, value: n };
}

function splitList(text: string): string[] {
  return text.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

function enumForm(v: string): string {
  return v.trim().toLowerCase().replace(/_/g, '-');
}

/**
 * Spring's relaxed form of a key or key segment, for comparing: lower case without `-` or `_`, so
 * `show-details`, `showDetails` and `SHOW_DETAILS` are one key.
 */
export function relaxedKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/**
 * The environment variable names of a key (Spring relaxed binding): dots become `_`, upper case, and
 * dashes either dropped (`MANAGEMENT_ENDPOINT_HEALTH_SHOWDETAILS`, the first, shown in the docs) or `_`.
 */
export function envNamesOf(key: string, def?: ConfigKeyDef): string[] {
  if (def?.env !== undefined) return [def.env];
  const a = key.replace(/\./g, '_').replace(/-/g, '').toUpperCase();
  const b = key.replace(/[.-]/g, '_').toUpperCase();
  return a === b ? [a] : [a, b];
}

/** A key resolved against a {@link ConfigCatalog}: its canonical spelling and its declaration. */
export interface ResolvedKey {
  /** The declared spelling (the free part of a family kept as given). */
  readonly key: string;
  /** Its declaration (for a family, the family's or the setting's). */
  readonly def: ConfigKeyDef;
}

/** Declarations composed for lookup: fixed keys and key families, compared in Spring's relaxed form. */
export interface ConfigCatalog {
  /** The declaration of `key` (`server.PORT`, `showDetails` spellings included), or undefined. */
  lookup(key: string): ResolvedKey | undefined;
  /** The declared fixed keys. */
  readonly keys: readonly string[];
  /** The key an environment variable sets, or undefined. */
  keyOfEnv(name: string): string | undefined;
}

/** Builds a {@link ConfigCatalog}. Two keys with one relaxed form are a declaration bug: the first wins. */
export function createConfigCatalog(
  keys: Readonly<Record<string, ConfigKeyDef>>,
  patterns: readonly ConfigPatternDef[] = [],
): ConfigCatalog {
  const fixed = new Map<string, string>();
  const env = new Map<string, string>();
  for (const [key, def] of Object.entries(keys)) {
    if (!fixed.has(relaxedKey(key))) fixed.set(relaxedKey(key), key);
    for (const n of envNamesOf(key, def)) if (!env.has(n)) env.set(n, key);
  }
  const families = patterns.map((p) => ({ p, segs: p.prefix.slice(0, -1).split('.').map(relaxedKey) }));
  return {
    keys: Object.keys(keys),
    lookup(key) {
      const name = fixed.get(relaxedKey(key));
      if (name !== undefined) return { key: name, def: keys[name]! };
      const segs = key.split('.');
      for (const { p, segs: want } of families) {
        const rest = matchPrefix(segs, want);
        if (rest === undefined) continue;
        if (p.value) return { key: p.prefix + rest.join('.'), def: p.value };
        if (p.settings && rest.length >= 2) {
          const setting = settingOf(p.settings, rest.slice(1));
          if (setting) return { key: `${p.prefix}${rest[0]}.${setting.key}`, def: setting.def };
        }
      }
      return undefined;
    },
    keyOfEnv(name) {
      const key = env.get(name);
      if (key !== undefined) return key;
      for (const p of patterns) {
        if (p.envPrefix && name.startsWith(p.envPrefix) && name.length > p.envPrefix.length) {
          return p.prefix + name.slice(p.envPrefix.length);
        }
      }
      return undefined;
    },
  };
}

/** The segments after a family's prefix (at least one), or undefined when `segs` is not in the family. */
function matchPrefix(segs: readonly string[], want: readonly string[]): string[] | undefined {
  if (segs.length <= want.length) return undefined;
  for (let i = 0; i < want.length; i++) if (relaxedKey(segs[i]!) !== want[i]) return undefined;
  const rest = segs.slice(want.length);
  return rest.every((s) => s !== '') ? rest : undefined;
}

function settingOf(settings: Readonly<Record<string, ConfigKeyDef>>, segs: string[]): ResolvedKey | undefined {
  for (const [name, def] of Object.entries(settings)) {
    if (name.endsWith('.')) {
      const rest = matchPrefix(segs, name.slice(0, -1).split('.').map(relaxedKey));
      if (rest) return { key: name + rest.join('.'), def };
    } else if (relaxedKey(segs.join('.')) === relaxedKey(name)) {
      return { key: name, def };
    }
  }
  return undefined;
}

/**
 * Dotted keys from nested objects (`{ server: { port: 1 } }` → `server.port`). An object under a key
 * `isValue` accepts is kept as that key's value (so it is refused as a value, not taken apart).
 */
export function flattenConfig(
  obj: Readonly<Record<string, unknown>>,
  isValue: (key: string) => boolean = () => false,
  prefix = '',
): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !isValue(key)) {
      out.push(...flattenConfig(v as Record<string, unknown>, isValue, key));
    } else out.push([key, v]);
  }
  return out;
}

/**
 * Edit distance (insertions, deletions, substitutions, adjacent transpositions each cost 1), so
 * `alwyas` is one edit from `always`.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate closest to `typed` within `limit` edits (default: a third of its length, 1..6), or undefined. */
export function closest(typed: string, candidates: readonly string[], limit?: number): string | undefined {
  const max = limit ?? Math.min(6, Math.max(1, Math.floor(typed.length / 3)));
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(typed.toLowerCase(), c.toLowerCase());
    if (d <= max && (best === undefined || d < best.d)) best = { c, d };
  }
  return best?.c;
}

/**
 * The declared key closest to a mistyped one, for "did you mean": a key whose last segment is what was
 * typed (`port` → `server.port`, the shortest such key), else the closest within a third of its length
 * (at most 3 edits: `server.prot` → `server.port`), else undefined.
 */
export function closestKey(typed: string, keys: readonly string[]): string | undefined {
  if (!typed.includes('.')) {
    const lower = typed.toLowerCase();
    let best: string | undefined;
    for (const k of keys) {
      if (k.slice(k.lastIndexOf('.') + 1).toLowerCase() === lower && (best === undefined || k.length < best.length)) best = k;
    }
    if (best !== undefined) return best;
  }
  return closest(typed, keys, Math.min(3, Math.max(1, Math.floor(typed.length / 3))));
}

/** "expected …; did you mean "x"?" for an error message. */
export function describeRefusal(result: Extract<CoerceResult, { ok: false }>): string {
  return `expected ${result.expected}${result.suggestion !== undefined ? `; did you mean "${result.suggestion}"?` : ''}`;
}
