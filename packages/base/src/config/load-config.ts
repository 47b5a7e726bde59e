/**
 * Configuration loading (docs/configuration.md): defaults, then a config file (`--config base.json`,
 * nested or dotted keys), then the environment (Spring relaxed names: `SERVER_PORT`,
 * `MANAGEMENT_ENDPOINT_HEALTH_SHOWDETAILS`), then Spring-style `--key=value` arguments; later wins.
 * Unknown keys and malformed values fail with a message naming the key and where it came from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERR_CONFIG_FILE, ERR_CONFIG_INVALID_VALUE, ERR_CONFIG_UNKNOWN_KEY } from '../errors.js';
import { suggestOption } from '../suggest.js';
import { ACTUATOR_CONFIG_SCHEMA, CONFIG_KEY_PATTERNS, CONFIG_SCHEMA, type ConfigKey, type ConfigKeyDef } from './config-schema.js';

/** A configuration value after parsing. */
export type ConfigValue = string | number | boolean | string[];

/** The TypeScript type of each fixed key's value. */
export type ConfigValueOf<K extends ConfigKey> = (typeof CONFIG_SCHEMA)[K]['kind'] extends 'int' | 'port' | 'duration' | 'bytes'
  ? number
  : (typeof CONFIG_SCHEMA)[K]['kind'] extends 'bool'
    ? boolean
    : (typeof CONFIG_SCHEMA)[K]['kind'] extends 'list'
      ? string[]
      : string;

/** Resolved configuration: typed access plus where each value came from. */
export interface NodearkConfig {
  /** The value of a fixed key (undefined when it has no default and was not set). */
  get<K extends ConfigKey>(key: K): ConfigValueOf<K> | undefined;
  /** True when the key was set by a file, the environment, an argument or an option (not a default). */
  isExplicit(key: string): boolean;
  /** Every set value of a pattern key family, e.g. all `…http-mapping.*` entries (suffix → value). */
  byPrefix(prefix: string): Record<string, ConfigValue>;
  /** Every explicitly set key and value (not defaults), in no particular order. */
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

/** Loads, merges and validates configuration. Throws `NODEARK_ERR_CONFIG_*` naming the bad key. */
export function loadConfig(input: LoadConfigInput = {}): NodearkConfig {
  const values = new Map<string, ConfigValue>();
  const explicit = new Set<string>();
  for (const [key, def] of Object.entries(CONFIG_SCHEMA) as Array<[string, ConfigKeyDef]>) {
    if (def.default !== undefined) values.set(key, def.default as ConfigValue);
  }
  const set = (key: string, raw: unknown, source: string): void => {
    const def = lookup(key);
    if (!def) throw new ERR_CONFIG_UNKNOWN_KEY(key, source, suggest(key));
    values.set(key, coerce(key, def, raw, source));
    explicit.add(key);
  };

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
    for (const [k, v] of flatten(parsed as Record<string, unknown>)) set(k, v, `config file ${path}`);
  }
  if (input.values) {
    for (const [k, v] of flatten(input.values)) if (v !== undefined) set(k, v, 'options');
  }
  const env = input.env ?? process.env;
  const envIndex = buildEnvIndex();
  for (const [name, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const key = envIndex.get(name) ?? patternKeyFromEnv(name);
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
    get: (<K extends ConfigKey>(key: K) => values.get(key) as ConfigValueOf<K> | undefined) as NodearkConfig['get'],
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

function lookup(key: string): ConfigKeyDef | undefined {
  const fixed = (CONFIG_SCHEMA as Record<string, ConfigKeyDef>)[key] ?? ACTUATOR_CONFIG_SCHEMA[key];
  if (fixed) return fixed;
  for (const p of CONFIG_KEY_PATTERNS) if (key.startsWith(p.prefix) && key.length > p.prefix.length) return p.def;
  return undefined;
}

/** Spring relaxed binding for the environment: `.` → `_`, `-` removed (or → `_`), upper-cased. */
function envNames(key: string): string[] {
  const a = key.replace(/\./g, '_').replace(/-/g, '').toUpperCase();
  const b = key.replace(/[.-]/g, '_').toUpperCase();
  return a === b ? [a] : [a, b];
}

function buildEnvIndex(): Map<string, string> {
  const m = new Map<string, string>();
  for (const key of [...Object.keys(CONFIG_SCHEMA), ...Object.keys(ACTUATOR_CONFIG_SCHEMA)]) {
    for (const n of envNames(key)) m.set(n, key);
  }
  return m;
}

function patternKeyFromEnv(name: string): string | undefined {
  const p = 'MANAGEMENT_ENDPOINT_HEALTH_STATUS_HTTPMAPPING_';
  if (name.startsWith(p) && name.length > p.length) {
    return `management.endpoint.health.status.http-mapping.${name.slice(p.length)}`;
  }
  return undefined;
}

function flatten(obj: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !lookup(key)) out.push(...flatten(v as Record<string, unknown>, key));
    else out.push([key, v]);
  }
  return out;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i;
const BYTES = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i;

function coerce(key: string, def: ConfigKeyDef, raw: unknown, source: string): ConfigValue {
  const bad = (why: string): never => {
    throw new ERR_CONFIG_INVALID_VALUE(JSON.stringify(SECRET.test(key) ? '***' : raw), key, source, why);
  };
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (def.kind) {
    case 'string':
      if (typeof text !== 'string' && typeof text !== 'number') bad('expected a string');
      return String(text);
    case 'bool':
      if (text === true || text === 'true') return true;
      if (text === false || text === 'false') return false;
      return bad('expected true or false');
    case 'int':
    case 'port': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) bad('expected an integer');
      if (def.kind === 'port' && (n < 0 || n > 65535)) bad('expected a port number 0-65535');
      if (def.min !== undefined && n < def.min) bad(`expected at least ${def.min}`);
      return n;
    }
    case 'duration': {
      if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return Math.round(text);
      const m = typeof text === 'string' ? DURATION.exec(text) : null;
      if (!m) return bad('expected a duration in ms, or with a unit: 500ms, 30s, 5m, 1h');
      const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms'];
      return Math.round(Number(m[1]) * mult);
    }
    case 'bytes': {
      if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return Math.round(text);
      const m = typeof text === 'string' ? BYTES.exec(text) : null;
      if (!m) return bad('expected a size in bytes, or with a unit: 512kb, 10mb, 1gb');
      const mult = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
      return Math.round(Number(m[1]) * mult);
    }
    case 'list':
      if (Array.isArray(text) && text.every((x) => typeof x === 'string')) return text.map((x: string) => x.trim());
      if (typeof text === 'string') return text.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
      return bad('expected a comma-separated list');
    case 'raw':
      if (typeof text !== 'string' && typeof text !== 'number' && typeof text !== 'boolean') bad('expected a scalar value');
      return text as string | number | boolean;
    case 'enum':
      if (typeof text !== 'string' || !def.values!.includes(text)) return bad(`expected one of ${def.values!.join(', ')}`);
      return text;
  }
}

/** The closest known key (`server.prot` → `server.port`, `port` → `server.port`), else the docs. */
function suggest(key: string): string {
  const near = suggestOption(`--${key}`, [...Object.keys(CONFIG_SCHEMA), ...Object.keys(ACTUATOR_CONFIG_SCHEMA)]);
  return near ? `; did you mean "${near.slice(2)}"?` : '; see docs/configuration.md';
}
