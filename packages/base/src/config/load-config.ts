/**
 * Configuration loading (docs/configuration.md): defaults, then a config file (`--config base.json`,
 * nested or dotted keys), then the environment (Spring relaxed names: `SERVER_PORT`,
 * `MANAGEMENT_ENDPOINT_HEALTH_SHOWDETAILS`), then Spring-style `--key=value` arguments; later wins.
 * Unknown keys and malformed values fail with a message naming the key and where it came from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { closestKey, coerceConfigValue, describeRefusal, flattenConfig, type ConfigValue } from '@nodeark/actuator';
import { ERR_CONFIG_FILE, ERR_CONFIG_INVALID_VALUE, ERR_CONFIG_UNKNOWN_KEY } from '../errors.js';
import { CONFIG_CATALOG, type ConfigDeclarations, type ConfigKey } from './config-schema.js';

export type { ConfigValue } from '@nodeark/actuator';

type ValueOfKind<D> = D extends { readonly kind: 'int' | 'port' | 'duration' | 'bytes' }
  ? number
  : D extends { readonly kind: 'bool' }
    ? boolean
    : D extends { readonly kind: 'list' }
      ? string[]
      : D extends { readonly kind: 'enum'; readonly values: ReadonlyArray<infer V> }
        ? V
        : string;

/**
 * The TypeScript type of each fixed key's value: its kind's type (an enum's values as a union), with
 * `undefined` only for a key declared without a default.
 */
export type ConfigValueOf<K extends ConfigKey> =
  | ValueOfKind<ConfigDeclarations[K]>
  | ([ConfigDeclarations[K]['default']] extends [undefined] ? undefined : never);

/** Resolved configuration: typed access plus where each value came from. */
export interface NodearkConfig {
  /** The value of a fixed key (undefined only when it has no default and was not set). */
  get<K extends ConfigKey>(key: K): ConfigValueOf<K>;
  /** True when the key was set by a file, the environment, an argument or an option (not a default). */
  isExplicit(key: string): boolean;
  /** Every set value of a pattern key family, e.g. all `…http-mapping.*` entries (suffix → value). */
  byPrefix(prefix: string): Record<string, ConfigValue>;
  /** Every explicitly set key (as declared) and typed value (not defaults), in no particular order. */
  explicitEntries(): Array<[string, ConfigValue]>;
  /** A plain object of every resolved key (for diagnostics; secrets redacted). */
  toJSON(): Record<string, ConfigValue>;
}

/** Inputs of {@link loadConfig}. */
export interface LoadConfigInput {
  /** Programmatic values (dotted keys or nested objects); between the file and the environment. */
  values?: Record<string, unknown>;
  /** A JSON config file path. */
  file?: string;
  /** Environment to read (default `process.env`). Pass `{}` to ignore the environment. */
  env?: Record<string, string | undefined>;
  /** CLI arguments: `--key=value` pairs (others are ignored here). */
  argv?: string[];
}

const SECRET = /password|token|secret/i;
const FIXED = new Set(CONFIG_CATALOG.keys);

/**
 * Loads, merges and validates configuration: every value goes through the one coercion of the key's
 * declaration (`config-kit.ts`), whichever package declared it. Throws `NODEARK_ERR_CONFIG_*` naming the
 * bad key, where it came from, the value and the accepted forms; nothing is half-applied.
 */
export function loadConfig(input: LoadConfigInput = {}): NodearkConfig {
  const values = new Map<string, ConfigValue>();
  const explicit = new Set<string>();
  for (const key of CONFIG_CATALOG.keys) {
    const d = CONFIG_CATALOG.lookup(key)!.def.default;
    if (d !== undefined) values.set(key, Array.isArray(d) ? [...(d as readonly string[])] : (d as ConfigValue));
  }
  const set = (given: string, raw: unknown, source: string): void => {
    const resolved = CONFIG_CATALOG.lookup(given);
    if (!resolved) throw new ERR_CONFIG_UNKNOWN_KEY(given, source, suggest(given));
    const r = coerceConfigValue(resolved.def, raw);
    if (!r.ok) {
      const shown = JSON.stringify(SECRET.test(given) ? '***' : raw);
      throw new ERR_CONFIG_INVALID_VALUE(shown, resolved.key, source, describeRefusal(r));
    }
    values.set(resolved.key, r.value);
    explicit.add(resolved.key);
  };
  // A fixed key never takes an object, so one given as an object is refused as a value, not taken apart.
  const isFixed = (key: string): boolean => FIXED.has(CONFIG_CATALOG.lookup(key)?.key ?? '');

  const argv = input.argv ?? [];
  let file = input.file;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' && argv[i + 1]) file = argv[i + 1];
    else if (a.startsWith('--config=')) file = a.slice('--config='.length);
  }
  if (file) {
    const path = resolve(file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ERR_CONFIG_FILE(path, (err as Error).message);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ERR_CONFIG_FILE(path, 'the file must contain a JSON object');
    }
    for (const [k, v] of flattenConfig(parsed as Record<string, unknown>, isFixed)) set(k, v, `config file ${path}`);
  }
  if (input.values) {
    for (const [k, v] of flattenConfig(input.values, isFixed)) if (v !== undefined) set(k, v, 'options');
  }
  const env = input.env ?? process.env;
  for (const [name, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const key = CONFIG_CATALOG.keyOfEnv(name);
    if (key) set(key, v, `environment variable ${name}`);
  }
  for (const a of argv) {
    // Only `--config <file>` and `--config=<file>` name the file; `--config.x=1` is a (unknown) key.
    if (!a.startsWith('--') || a === '--config' || a.startsWith('--config=')) continue;
    const eq = a.indexOf('=');
    if (eq < 0) continue;
    const key = a.slice(2, eq);
    if (!key.includes('.')) continue; // plain CLI flags (--json, --format=…) are not configuration
    set(key, a.slice(eq + 1), `argument ${a.slice(0, eq)}`);
  }

  return {
    get: (<K extends ConfigKey>(key: K) => values.get(key) as ConfigValueOf<K>) as NodearkConfig['get'],
    isExplicit: (key) => explicit.has(key),
    explicitEntries: () => [...explicit].map((k) => [k, values.get(k)!] as [string, ConfigValue]),
    byPrefix: (prefix) => {
      const out: Record<string, ConfigValue> = {};
      for (const [k, v] of values) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
      return out;
    },
    toJSON: () => {
      const out: Record<string, ConfigValue> = {};
      for (const [k, v] of [...values].sort(([a], [b]) => a.localeCompare(b))) out[k] = SECRET.test(k) ? '***' : v;
      return out;
    },
  };
}

/**
 * The closest known key (`server.prot` → `server.port`, `port` → `server.port`), else the docs. The kit's
 * key suggester, not the CLI's option suggester, so a base started from code loads no CLI module.
 */
function suggest(key: string): string {
  const near = closestKey(key, CONFIG_CATALOG.keys);
  return near ? `; did you mean "${near}"?` : '; see docs/configuration.md';
}
