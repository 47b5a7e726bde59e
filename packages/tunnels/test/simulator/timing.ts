/**
 * SIMULATOR — ModuleController v2 / virtual-kubelet v0.3.10 timers (docs/reference/module-controller.md
 * § Controller timers, `VK:model/consts.go`) and a scaled copy for tests. The ratios between the timers are what the
 * behaviour depends on, so scaling all of them together keeps the semantics and shortens the wall-clock time.
 */
export interface SimTiming {
  /** `NodeToFetchHeartBeatInterval`: controller → base `POST /health`. */
  healthIntervalMs: number;
  /** `NodeToFetchAllBizStatusInterval`: controller → base `POST /queryAllBiz`. */
  queryAllBizIntervalMs: number;
  /** `NodeToCheckUnreachableAndDeadStatusInterval`: the liveness checker. */
  livenessCheckMs: number;
  /** `NodeToUnreachableMaxSeconds`: after this much silence pod events are ignored. */
  unreachableMs: number;
  /** `NodeToDeadMaxSeconds`: after this much silence the Node and its Lease are deleted. */
  deadMs: number;
  /** `NodeLeaseUpdatePeriodSeconds`. */
  leaseRenewMs: number;
  /** `NodeLeaseDurationSeconds` (written into the Lease, not scaled: it is a number of seconds in the object). */
  leaseDurationSeconds: number;
  /** A Pod's default `deletionGracePeriodSeconds` (30 s): a running pod is force-deleted after it. */
  podDeleteGraceMs: number;
  /** MQTT: messages whose `publishTimestamp` is this old or older are dropped (10 s; never scaled: it is about clocks). */
  mqttStaleMs: number;
}

/** The real values. */
export const REAL_TIMING: SimTiming = {
  healthIntervalMs: 10_000,
  queryAllBizIntervalMs: 15_000,
  livenessCheckMs: 3_000,
  unreachableMs: 25_000,
  deadMs: 60_000,
  leaseRenewMs: 10_000,
  leaseDurationSeconds: 40,
  podDeleteGraceMs: 30_000,
  mqttStaleMs: 10_000,
};

/** Every interval multiplied by `factor` (e.g. 0.02 → health every 200 ms, dead after 1.2 s). */
export function scaledTiming(factor: number): SimTiming {
  const s = (ms: number): number => Math.max(1, Math.round(ms * factor));
  return {
    healthIntervalMs: s(REAL_TIMING.healthIntervalMs),
    queryAllBizIntervalMs: s(REAL_TIMING.queryAllBizIntervalMs),
    livenessCheckMs: s(REAL_TIMING.livenessCheckMs),
    unreachableMs: s(REAL_TIMING.unreachableMs),
    deadMs: s(REAL_TIMING.deadMs),
    leaseRenewMs: s(REAL_TIMING.leaseRenewMs),
    leaseDurationSeconds: REAL_TIMING.leaseDurationSeconds,
    podDeleteGraceMs: s(REAL_TIMING.podDeleteGraceMs),
    mqttStaleMs: REAL_TIMING.mqttStaleMs,
  };
}
