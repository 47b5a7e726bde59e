/**
 * Turns properties and programmatic options into a checked {@link ActuatorConfig}, with the declarations of
 * `config.ts` and the one coercion of `config-kit.ts` (docs/configuration.md § Actuator keys): no string is
 * parsed here beyond what that coercion does, so a value means the same here and in the base's loader.
 */
import {
  closestKey,
  coerceConfigValue,
  createConfigCatalog,
  describeRefusal,
  flattenConfig,
  relaxedKey,
  type ConfigKeyDef,
  type ResolvedKey,
} from './config-kit.js';
import {
  ACTUATOR_CONFIG_KEYS,
  ACTUATOR_CONFIG_PATTERNS,
  ACTUATOR_OWNED_PREFIXES,
  DEFAULT_ACTUATOR_CONFIG,
  GROUP_FIELD,
  GROUP_SETTINGS,
  HTTP_STATUS,
  SHOW_DEF,
  type ActuatorConfig,
  type ActuatorKeyDef,
  type HealthGroupConfig,
  type ShowMode,
} from './config.js';
import { ERR_ACTUATOR_INVALID_CONFIG, ERR_ACTUATOR_UNKNOWN_PROPERTY } from './errors.js';

const CATALOG = createConfigCatalog(ACTUATOR_CONFIG_KEYS, ACTUATOR_CONFIG_PATTERNS);
const OWNED = ACTUATOR_OWNED_PREFIXES.map((p) => relaxedKey(p));

/** The actuator's declaration of `key` (relaxed spellings included), or undefined when it is not the actuator's. */
export function actuatorKeyOf(key: string): ResolvedKey | undefined {
  return CATALOG.lookup(key);
}

/**
 * Builds a partial {@link ActuatorConfig} from dotted (or nested) properties: the base passes its resolved,
 * typed values; strings (as from the environment or the CLI) get the same coercion the base's loader
 * applies (`config-kit.ts`). Keys outside the actuator's are ignored; an unknown key under an owned prefix,
 * or a malformed value, throws `NODEARK_ERR_ACTUATOR_UNKNOWN_PROPERTY` / `NODEARK_ERR_ACTUATOR_INVALID_CONFIG`
 * naming the key.
 */
export function actuatorConfigFromProperties(properties: Record<string, unknown>): Partial<ActuatorConfig> {
  const out: Partial<ActuatorConfig> = {};
  for (const [given, raw] of flattenConfig(properties)) {
    if (raw === undefined) continue;
    const resolved = CATALOG.lookup(given);
    if (!resolved) {
      const relaxed = relaxedKey(given);
      if (OWNED.some((p) => relaxed.startsWith(p))) throw new ERR_ACTUATOR_UNKNOWN_PROPERTY(given, unknownHint(given));
      continue;
    }
    const r = coerceConfigValue(resolved.def, raw);
    if (!r.ok) throw new ERR_ACTUATOR_INVALID_CONFIG(resolved.key, JSON.stringify(raw), describeRefusal(r));
    apply(out, resolved.key, r.value);
  }
  return out;
}

/** Sets the field a resolved key names to its (typed) value. */
function apply(out: Partial<ActuatorConfig>, key: string, value: unknown): void {
  const fixed = (ACTUATOR_CONFIG_KEYS as Readonly<Record<string, ActuatorKeyDef>>)[key];
  if (fixed) {
    (out as Record<string, unknown>)[fixed.field] = value;
    return;
  }
  const family = ACTUATOR_CONFIG_PATTERNS.find((p) => key.startsWith(p.prefix))!;
  const rest = key.slice(family.prefix.length);
  switch (family.field) {
    case 'statusHttpMapping':
      out.statusHttpMapping = { ...out.statusHttpMapping, [rest]: value as number };
      return;
    case 'pathMapping':
      out.pathMapping = { ...out.pathMapping, [rest]: oneSegment(key, value as string) };
      return;
    case 'infoEnv':
      out.infoEnv = setPath(out.infoEnv ?? {}, rest.split('.'), value);
      return;
    case 'groups': {
      const dot = rest.indexOf('.');
      const setting = rest.slice(dot + 1);
      const groups = (out.groups ??= {});
      const g = (groups[rest.slice(0, dot)] ??= {});
      const name = (Object.keys(GROUP_SETTINGS) as Array<keyof typeof GROUP_SETTINGS>).find((s) =>
        s.endsWith('.') ? setting.startsWith(s) : s === setting,
      )!;
      if (name === 'status.http-mapping.') {
        g.statusHttpMapping = { ...g.statusHttpMapping, [setting.slice(name.length)]: value as number };
      } else (g as Record<string, unknown>)[GROUP_FIELD[name]] = value;
    }
  }
}

function unknownHint(key: string): string {
  if (relaxedKey(key).startsWith(relaxedKey('management.endpoint.health.group.'))) {
    const known = Object.keys(GROUP_SETTINGS).map((s) => (s.endsWith('.') ? `${s}<STATUS>` : s));
    return `: known group settings are ${known.join(', ')}`;
  }
  const near = closestKey(key, CATALOG.keys);
  return near ? `; did you mean "${near}"?` : '';
}

/**
 * Merges partial config over the defaults and validates it (throws `NODEARK_ERR_ACTUATOR_INVALID_CONFIG`).
 * Each declared field goes through the declaration's coercion, so a programmatic value and a property value
 * are held to the same forms.
 */
export function resolveActuatorConfig(partial: Partial<ActuatorConfig> = {}): ActuatorConfig {
  const c: ActuatorConfig = { ...DEFAULT_ACTUATOR_CONFIG, ...stripUndefined(partial) };
  const typed = (key: string, def: ConfigKeyDef, value: unknown): unknown => {
    const r = coerceConfigValue(def, value);
    if (!r.ok) throw new ERR_ACTUATOR_INVALID_CONFIG(key, JSON.stringify(value), describeRefusal(r));
    return r.value;
  };
  const check = (ok: boolean, key: string, value: unknown, why: string): void => {
    if (!ok) throw new ERR_ACTUATOR_INVALID_CONFIG(key, JSON.stringify(value), why);
  };
  const fields = c as unknown as Record<string, unknown>;
  for (const [key, def] of Object.entries(ACTUATOR_CONFIG_KEYS)) {
    if (fields[def.field] !== undefined) fields[def.field] = typed(key, def, fields[def.field]);
  }
  check(c.basePath === '' || c.basePath.startsWith('/'), 'management.endpoints.web.base-path', c.basePath, 'must be empty or start with "/"');
  c.basePath = c.basePath.replace(/\/+$/, '');
  check(c.statusOrder.length > 0, 'management.endpoint.health.status.order', c.statusOrder, 'expected a non-empty list');
  const http = 'management.endpoint.health.status.http-mapping.';
  c.statusHttpMapping = mapValues(c.statusHttpMapping, (s, code) => typed(`${http}${s}`, HTTP_STATUS, code) as number);
  for (const name of [c.startupComponentName, c.aggregateComponentName]) {
    check(name === undefined || /^[^/\s]+$/.test(name), 'nodeark.actuator.health.*-component-name', name, 'a component name cannot be empty or contain "/" or spaces');
  }
  c.groups = mapValues(c.groups, (name, g) => {
    const k = `management.endpoint.health.group.${name}`;
    check(/^[^/\s]+$/.test(name), k, name, 'a group name cannot contain "/" or spaces');
    const out: HealthGroupConfig = { ...g };
    if (g.showDetails !== undefined) out.showDetails = typed(`${k}.show-details`, SHOW_DEF, g.showDetails) as ShowMode;
    if (g.showComponents !== undefined) {
      out.showComponents = typed(`${k}.show-components`, SHOW_DEF, g.showComponents) as ShowMode;
    }
    if (g.statusHttpMapping) {
      out.statusHttpMapping = mapValues(g.statusHttpMapping, (s, code) => typed(`${k}.status.http-mapping.${s}`, HTTP_STATUS, code) as number);
    }
    return out;
  });
  return c;
}

/* ------------------------------------------------------------------------------------------- helpers */

function stripUndefined(p: Partial<ActuatorConfig>): Partial<ActuatorConfig> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) o[k] = v;
  return o as Partial<ActuatorConfig>;
}

function mapValues<T, U>(o: Record<string, T>, f: (k: string, v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(k, v)]));
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const next = node[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return target;
}

function oneSegment(key: string, v: string): string {
  const s = v.replace(/^\/+|\/+$/g, '');
  if (s === '' || s.includes('/')) throw new ERR_ACTUATOR_INVALID_CONFIG(key, JSON.stringify(v), 'expected one path segment');
  return s;
}
