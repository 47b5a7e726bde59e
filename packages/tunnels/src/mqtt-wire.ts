/**
 * What the MQTT tunnel writes on the wire, converted from Arklet envelopes (docs/reference/module-controller.md
 * § MQTT tunnel): Java's `Output` with enum members as Java enum *names* (fastjson's default on this tunnel),
 * and `SimpleBizInfo` for `queryAllBiz`. Pure functions, exported for tests and for custom tunnels.
 */
import type { ArkletResponse } from '@nodeark/arklet';

/**
 * The Java `StateChangeReason` enum name of each display text (docs/reference/arklet-protocol.md § Wire types;
 * docs/reference/module-controller.md § MQTT tunnel).
 */
export const REASON_ENUM_NAMES: Readonly<Record<string, string>> = {
  Created: 'CREATED',
  Started: 'STARTED',
  'Install Failed': 'INSTALL_FAILED',
  'Uninstall Failed': 'UN_INSTALL_FAILED',
  Switched: 'SWITCHED',
  Killing: 'KILLING',
  Stopped: 'STOPPED',
  Undefine: 'UNDEFINE',
};

/** Java `Output<T>`: what the MQTT tunnel publishes as `response` (and as the `data` of `base/health`). */
export interface MqttOutput {
  code: string;
  data?: unknown;
  message?: string;
}

/** A `SimpleBizInfo` (reply to `queryAllBiz`). */
export interface SimpleBizInfo {
  latestStateRecord: { changeTime: number; message: string | null; reason: string | null; state: string | null } | null;
  name: string;
  state: string;
  version: string;
}

/** The queryAllBiz element fields the conversion reads. */
export interface BizInfoLike {
  bizName: string;
  bizVersion: string;
  bizState: string;
  bizStateRecords?: Array<{ changeTime: number; state: string; reason: string; message: string }>;
}

/** A queryAllBiz element → Java `SimpleBizInfo` (latest record = the largest `changeTime`, the last on ties). */
export function simpleBizInfo(b: BizInfoLike): SimpleBizInfo {
  let latest: NonNullable<BizInfoLike['bizStateRecords']>[number] | undefined;
  for (const r of b.bizStateRecords ?? []) if (!latest || r.changeTime >= latest.changeTime) latest = r;
  return {
    latestStateRecord: latest
      ? {
          changeTime: Math.trunc(latest.changeTime),
          message: latest.message ?? null,
          reason:
            latest.reason === undefined || latest.reason === null
              ? null
              : (REASON_ENUM_NAMES[latest.reason] ?? latest.reason),
          state: latest.state ? latest.state.toUpperCase() : null,
        }
      : null,
    name: b.bizName,
    state: String(b.bizState).toLowerCase(),
    version: b.bizVersion,
  };
}

/**
 * An Arklet envelope → the Java `Output` the MQTT tunnel publishes: `{code, data, message}`, enum members as
 * Java enum names; an internal error or unknown command → Java's exception form
 * `{code: FAILED, data: {code: FAILED, message: <stack trace>}, message}`.
 */
export function toOutput(res: ArkletResponse): MqttOutput {
  if (res.code === 'SUCCESS' || res.code === 'FAILED') {
    const out: MqttOutput = { code: res.code };
    if (res.data !== undefined) out.data = javaEnumNames(res.data);
    if (res.message !== undefined) out.message = res.message;
    return out;
  }
  const message = res.message ?? res.code;
  return { code: 'FAILED', data: { code: 'FAILED', message: res.errorStackTrace || message }, message };
}

/** Rewrites `bizState` members and `bizStateRecords` elements to Java enum names (deep; returns a copy). */
export function javaEnumNames(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => javaEnumNames(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'bizState' && typeof v === 'string') out[k] = v.toUpperCase();
    else if (k === 'bizStateRecords' && Array.isArray(v)) {
      out[k] = v.map((r) => {
        if (r === null || typeof r !== 'object') return r;
        const rec = { ...(r as Record<string, unknown>) };
        if (typeof rec['state'] === 'string') rec['state'] = (rec['state'] as string).toUpperCase();
        if (typeof rec['reason'] === 'string') rec['reason'] = REASON_ENUM_NAMES[rec['reason'] as string] ?? rec['reason'];
        return rec;
      });
    } else out[k] = javaEnumNames(v, depth + 1);
  }
  return out;
}
