/**
 * Spring Boot's `/actuator/metrics` JSON (docs/observability.md): `{"names":[…]}` for the index, and for
 * one name its description, base unit, measurements merged across every series that matches the
 * `tag=key:value` filters (sums; `MAX` the largest), and the tags still available to drill down with.
 */
import type { MeterFamily, MeterSample } from './meters.js';

/** One statistic of `measurements`. */
export interface Measurement {
  statistic: 'COUNT' | 'TOTAL' | 'TOTAL_TIME' | 'MAX' | 'VALUE';
  value: number;
}

/** The body of `/actuator/metrics/{name}`. */
export interface MetricResponse {
  name: string;
  description?: string;
  baseUnit?: string;
  measurements: Measurement[];
  availableTags: Array<{ tag: string; values: string[] }>;
}

/** The sorted, distinct meter names (`/actuator/metrics`). */
export function metricNames(families: readonly MeterFamily[]): string[] {
  return [...new Set(families.map((f) => f.descriptor.name))].sort();
}

/**
 * Parses `tag` query values (`key:value`, repeatable). Undefined when one is malformed (no `:` or an empty
 * key): Spring answers 400 then.
 */
export function parseTagFilters(raw: unknown): Array<[string, string]> | undefined {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out: Array<[string, string]> = [];
  for (const item of list) {
    if (typeof item !== 'string') return undefined;
    const colon = item.indexOf(':');
    if (colon <= 0) return undefined;
    out.push([item.slice(0, colon), item.slice(colon + 1)]);
  }
  return out;
}

function statistics(family: MeterFamily, s: MeterSample): Measurement[] {
  const d = family.descriptor;
  switch (d.kind) {
    case 'counter':
      return [{ statistic: 'COUNT', value: s.value ?? 0 }];
    case 'gauge':
      return [{ statistic: 'VALUE', value: s.value ?? 0 }];
    case 'timer':
      return [
        { statistic: 'COUNT', value: s.count ?? 0 },
        { statistic: 'TOTAL_TIME', value: s.sum ?? 0 },
        { statistic: 'MAX', value: s.max ?? 0 },
      ];
    case 'histogram':
    case 'summary':
      return [
        { statistic: 'COUNT', value: s.count ?? 0 },
        { statistic: d.baseUnit === 'seconds' ? 'TOTAL_TIME' : 'TOTAL', value: s.sum ?? 0 },
      ];
  }
}

/** The body for `name` with `filters`, or undefined (404) when no series of that name matches. */
export function describeMetric(
  families: readonly MeterFamily[],
  name: string,
  filters: ReadonlyArray<[string, string]>,
): MetricResponse | undefined {
  const matching: Array<{ family: MeterFamily; sample: MeterSample }> = [];
  for (const family of families) {
    if (family.descriptor.name !== name) continue;
    for (const sample of family.samples) {
      if (filters.every(([k, v]) => sample.tags[k] === v)) matching.push({ family, sample });
    }
  }
  if (matching.length === 0) return undefined;
  const d = matching[0]!.family.descriptor;
  const merged = new Map<Measurement['statistic'], number>();
  const tags = new Map<string, Set<string>>();
  const filtered = new Set(filters.map(([k]) => k));
  for (const { family, sample } of matching) {
    for (const m of statistics(family, sample)) {
      if (!Number.isFinite(m.value)) continue;
      const prev = merged.get(m.statistic);
      merged.set(m.statistic, prev === undefined ? m.value : m.statistic === 'MAX' ? Math.max(prev, m.value) : prev + m.value);
    }
    for (const [k, v] of Object.entries(sample.tags)) {
      if (filtered.has(k) || v === '') continue;
      let set = tags.get(k);
      if (!set) tags.set(k, (set = new Set()));
      set.add(v);
    }
  }
  // Spring's key order: name, description, baseUnit, measurements, availableTags (absent values omitted).
  return {
    name,
    ...(d.description ? { description: d.description } : {}),
    ...(d.baseUnit ? { baseUnit: d.baseUnit } : {}),
    measurements: [...merged].map(([statistic, value]) => ({ statistic, value })),
    availableTags: [...tags.keys()].sort().map((tag) => ({ tag, values: [...tags.get(tag)!].sort() })),
  };
}
