/**
 * What `/actuator/prometheus` and `/actuator/metrics` answer (docs/observability.md), loaded by the
 * actuator only when one of them is exposed, so that a base serving health alone loads none of it (nor
 * prom-client).
 */
import type { BizRuntime } from '@nodeark/runtime';
import { meterFromPromClient, metersFromSnapshot, type MeterFamily } from './meters.js';
import { processMetrics } from './process-metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';
import { describeMetric, metricNames, parseTagFilters, type MetricResponse } from './spring-metrics.js';

/** The two endpoints' bodies, over one runtime. */
export interface MetricsEndpoints {
  /** `/actuator/prometheus`: the text and its `Content-Type`. */
  prometheus(): Promise<{ contentType: string; body: string }>;
  /** `/actuator/metrics`. */
  names(): Promise<{ names: string[] }>;
  /**
   * `/actuator/metrics/{name}` with the request's `tag` query value(s): the body, or the status Spring
   * answers instead (404 for no matching series, 400 for a malformed `tag`).
   */
  metric(name: string, tag: unknown): Promise<MetricResponse | 400 | 404>;
}

/** Prepares the endpoints (loads prom-client and starts its collectors). */
export async function createMetricsEndpoints(runtime: BizRuntime): Promise<MetricsEndpoints> {
  const proc = await processMetrics();
  const all = async (): Promise<MeterFamily[]> => {
    const own = metersFromSnapshot(runtime.metrics());
    const base = (await proc.json()).map(meterFromPromClient).filter((f): f is MeterFamily => f !== undefined);
    return [...own, ...base];
  };
  return {
    async prometheus() {
      const own = renderPrometheus(metersFromSnapshot(runtime.metrics()));
      return { contentType: PROMETHEUS_CONTENT_TYPE, body: own + (await proc.text()) };
    },
    async names() {
      return { names: metricNames(await all()) };
    },
    async metric(name, tag) {
      const filters = parseTagFilters(tag);
      if (!filters) return 400;
      return describeMetric(await all(), name, filters) ?? 404;
    },
  };
}
