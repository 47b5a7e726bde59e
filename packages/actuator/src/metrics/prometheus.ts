/**
 * The Prometheus text exposition format, version 0.0.4 (what Spring Boot's `/actuator/prometheus` serves
 * by default and every Prometheus server scrapes): `# HELP`, `# TYPE`, then one line per sample. See
 * docs/observability.md for the metrics and their labels.
 */
import type { MeterFamily, MeterSample } from './meters.js';

/** The `Content-Type` of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus writes it (`+Inf`, `NaN`, shortest decimal otherwise). */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function labels(tags: Record<string, string>, extra?: [string, string]): string {
  const parts: string[] = [];
  for (const k of Object.keys(tags).sort()) {
    // An empty label value is the same as no label in Prometheus.
    if (tags[k] !== '') parts.push(`${k}="${escapeLabel(tags[k]!)}"`);
  }
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function header(lines: string[], name: string, help: string, type: string): void {
  lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

function histogramLines(lines: string[], name: string, s: MeterSample): void {
  for (const b of s.buckets ?? []) lines.push(`${name}_bucket${labels(s.tags, ['le', formatValue(b.le)])} ${formatValue(b.count)}`);
  lines.push(`${name}_count${labels(s.tags)} ${formatValue(s.count ?? 0)}`);
  lines.push(`${name}_sum${labels(s.tags)} ${formatValue(s.sum ?? 0)}`);
}

/**
 * Renders meters as Prometheus text. A timer becomes a histogram (`_bucket`, `_count`, `_sum`) plus a
 * `_max` gauge, as Micrometer's Prometheus registry does.
 */
export function renderPrometheus(families: readonly MeterFamily[]): string {
  const lines: string[] = [];
  for (const { descriptor: d, samples } of families) {
    const name = d.prometheusName;
    switch (d.kind) {
      case 'counter':
      case 'gauge':
        header(lines, name, d.description, d.kind);
        for (const s of samples) lines.push(`${name}${labels(s.tags)} ${formatValue(s.value ?? 0)}`);
        break;
      case 'timer':
      case 'histogram':
        header(lines, name, d.description, 'histogram');
        for (const s of samples) histogramLines(lines, name, s);
        if (d.kind === 'timer') {
          header(lines, `${name}_max`, d.description, 'gauge');
          for (const s of samples) lines.push(`${name}_max${labels(s.tags)} ${formatValue(s.max ?? 0)}`);
        }
        break;
      case 'summary':
        header(lines, name, d.description, 'summary');
        for (const s of samples) {
          lines.push(`${name}_count${labels(s.tags)} ${formatValue(s.count ?? 0)}`, `${name}_sum${labels(s.tags)} ${formatValue(s.sum ?? 0)}`);
        }
        break;
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
