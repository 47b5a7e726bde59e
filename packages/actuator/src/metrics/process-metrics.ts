/**
 * The base process's own metrics (`process_*`, `nodejs_*`): `prom-client`'s default collectors on a
 * private registry, never its global one, so a host app's own prom-client registry is left alone
 * (docs/observability.md). Loaded on first use only: a base that exposes neither `prometheus` nor
 * `metrics` never loads prom-client.
 */
import type { PromClientMetricJson } from './meters.js';

/** Reads the base process's metrics. */
export interface ProcessMetrics {
  /** Prometheus text (0.0.4). */
  text(): Promise<string>;
  /** The same metrics as prom-client's JSON. */
  json(): Promise<PromClientMetricJson[]>;
}

let shared: Promise<ProcessMetrics> | undefined;

/**
 * One collector set per process, shared by every actuator in it: the figures describe the process, and
 * each collector set adds a GC observer and an event-loop delay histogram that cannot be removed again.
 */
export function processMetrics(): Promise<ProcessMetrics> {
  shared ??= (async (): Promise<ProcessMetrics> => {
    const { Registry, collectDefaultMetrics } = await import('prom-client');
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    return {
      text: () => registry.metrics(),
      json: async () => (await registry.getMetricsAsJSON()) as unknown as PromClientMetricJson[],
    };
  })();
  return shared;
}
