/**
 * The one JSON document the console page renders (docs/console.md): the module table with health, CPU and
 * chart points, and the recent activity. Sent whole with every Server-Sent Event, so the page never has to
 * merge partial updates.
 */
import type { BizHealth, BizRuntime, RuntimeMetricsSnapshot } from '@nodeark/runtime';
import type { ActivityLog, OperationEntry, TransitionEntry } from './activity-log.js';
import { HISTORY_INTERVAL_MS, HISTORY_WINDOW_MS, type HistoryPoint, type MetricsHistory } from './metrics-history.js';

/** One row of the module table: one module version. */
export interface ConsoleModuleRow {
  bizName: string;
  bizVersion: string;
  identity: string;
  state: string;
  webContextPath: string;
  /** Latest health (aggregate and each indicator); undefined while the module has no live worker. */
  health: BizHealth | undefined;
  /** CPU time of the module's worker thread, seconds (docs/observability.md), when known. */
  cpuSeconds: number | undefined;
  /** Requests answered since the version was installed. */
  requests: number;
  /** Chart points, oldest first. */
  history: readonly HistoryPoint[];
}

/** What `api/state` and each `state` event carry. */
export interface ConsoleState {
  base: { name: string; version: string; time: number; intervalMs: number; windowMs: number; tokenRequired: boolean };
  modules: ConsoleModuleRow[];
  /** Newest first. */
  transitions: TransitionEntry[];
  /** Newest first. */
  operations: OperationEntry[];
}

/** Builds the document from the runtime, the chart history, the health cache and the activity log. */
export function consoleState(input: {
  runtime: BizRuntime;
  history: MetricsHistory;
  health: ReadonlyMap<string, BizHealth>;
  activity: ActivityLog;
  masterBiz: { bizName: string; bizVersion: string };
  tokenRequired: boolean;
  /** A metrics snapshot just taken (the sampler's); else one is taken now. */
  snapshot?: RuntimeMetricsSnapshot;
}): ConsoleState {
  const snap = input.snapshot ?? input.runtime.metrics();
  const modules = snap.modules.map((m) => ({
    bizName: m.bizName,
    bizVersion: m.bizVersion,
    identity: m.identity,
    state: m.state,
    webContextPath: m.webContextPath,
    health: m.worker ? input.health.get(m.identity) : undefined,
    cpuSeconds: m.worker?.cpuSeconds,
    requests: m.requests.reduce((n, r) => n + r.count, 0),
    history: input.history.of(m.identity),
  }));
  modules.sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  return {
    base: {
      name: input.masterBiz.bizName,
      version: input.masterBiz.bizVersion,
      time: snap.timestamp,
      intervalMs: HISTORY_INTERVAL_MS,
      windowMs: HISTORY_WINDOW_MS,
      tokenRequired: input.tokenRequired,
    },
    modules,
    transitions: [...input.activity.transitions].reverse(),
    operations: [...input.activity.operations].reverse(),
  };
}
