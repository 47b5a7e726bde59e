/**
 * The reference of every configuration key the base composes (its own, the tunnels' and the actuator's,
 * and the actuator's key families), as rows of plain text: `docs/configuration.md` renders them as tables
 * (`scripts/gen-config-doc.mjs`) and `nodeark start --help-config` prints them, so the two list the same
 * keys with the same kinds, defaults and environment names.
 */
import { envNamesOf } from '@nodeark/actuator';
import { ACTUATOR_CONFIG_SCHEMA, CONFIG_KEY_PATTERNS, CONFIG_SCHEMA, type ConfigKeyDef } from './config-schema.js';

/** One key (or key family) of the reference. */
export interface ConfigReferenceRow {
  /** The key, or a family's prefix and placeholder (`info.<key>`). */
  readonly key: string;
  /** The kind with its enum values and bounds (`enum (auto | json | pretty)`, `int ≥ 1`), or `per setting`. */
  readonly kind: string;
  /** The default as written on the command line (a list comma-separated), or undefined when there is none. */
  readonly default: string | undefined;
  /** The environment variable (a family's: prefix and placeholder), or undefined when there is none. */
  readonly env: string | undefined;
  /** One line. */
  readonly description: string;
}

/** The reference in the docs' three sections. */
export interface ConfigReference {
  /** The base's and the tunnels' keys. */
  readonly base: readonly ConfigReferenceRow[];
  /** The actuator's fixed keys. */
  readonly actuator: readonly ConfigReferenceRow[];
  /** Key families whose last segments are free. */
  readonly families: readonly ConfigReferenceRow[];
}

function bounds(d: ConfigKeyDef): string {
  if (d.min !== undefined && d.max !== undefined) return ` ${d.min}..${d.max}`;
  if (d.min !== undefined) return ` ≥ ${d.min}`;
  if (d.max !== undefined) return ` ≤ ${d.max}`;
  return '';
}

function kindOf(d: ConfigKeyDef): string {
  return `${d.kind}${d.values ? ` (${d.values.join(' | ')})` : ''}${bounds(d)}`;
}

function keyRow(key: string, d: ConfigKeyDef): ConfigReferenceRow {
  const shown = d.default ?? d.docDefault;
  return {
    key,
    kind: kindOf(d),
    default: shown === undefined ? undefined : Array.isArray(shown) ? shown.join(',') : String(shown),
    env: envNamesOf(key, d)[0],
    description: d.description,
  };
}

/** Every key the base reads, from the declarations. */
export function configReference(): ConfigReference {
  return {
    base: Object.entries(CONFIG_SCHEMA as Readonly<Record<string, ConfigKeyDef>>).map(([k, d]) => keyRow(k, d)),
    actuator: Object.entries(ACTUATOR_CONFIG_SCHEMA).map(([k, d]) => keyRow(k, d)),
    families: CONFIG_KEY_PATTERNS.map((p) => ({
      key: `${p.prefix}${p.placeholder}`,
      kind: p.value ? kindOf(p.value) : 'per setting',
      default: undefined,
      env: p.envPrefix ? `${p.envPrefix}${p.placeholder}` : undefined,
      description: p.description,
    })),
  };
}

/** The reference as `nodeark start --help-config` prints it: one block per key, by section. */
export function renderConfigHelp(ref: ConfigReference = configReference()): string {
  const shown = (v: string | undefined): string => (v === undefined ? '(none)' : v === '' ? '(empty)' : v);
  const block = (r: ConfigReferenceRow): string =>
    `${r.key}\n  ${r.kind}; default: ${shown(r.default)}; env: ${shown(r.env)}\n  ${r.description}\n`;
  return [
    '# Base keys (docs/configuration.md)\n',
    ...ref.base.map(block),
    '\n# Actuator keys (docs/health.md)\n',
    ...ref.actuator.map(block),
    '\n# Key families (the last segments are free)\n',
    ...ref.families.map(block),
  ].join('');
}
