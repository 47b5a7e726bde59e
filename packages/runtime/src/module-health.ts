/**
 * A module's health as the runtime reports it (docs/health.md): from its state when that says enough,
 * else from its indicators evaluated inside its worker; and the answer to `GET <path>/actuator/health`
 * under a module's own context path.
 */
import type { ServerResponse } from 'node:http';
import type { BizRecord } from './biz-record.js';
import type { BizHealth } from './types.js';

/** Added to the per-indicator timeout to bound the whole health call into a worker. */
const HEALTH_CALL_MARGIN_MS = 1000;

/**
 * The health of a record (undefined: not registered → UNKNOWN). `resolved` → UNKNOWN, `broken` or no
 * worker → DOWN with the last record's message, stuck (watchdog) → DOWN, else the worker's indicators.
 * Never rejects and never waits longer than `healthTimeoutMs` plus one second.
 */
export async function moduleHealth(rec: BizRecord | undefined, healthTimeoutMs: number): Promise<BizHealth> {
  if (!rec) return { status: 'UNKNOWN', components: {} };
  if (rec.state === 'resolved' || rec.state === 'unresolved') return { status: 'UNKNOWN', components: {} };
  if (rec.state === 'broken' || !rec.host) {
    const last = rec.records[rec.records.length - 1];
    return {
      status: 'DOWN',
      components: { lifecycle: { status: 'DOWN', details: { error: last?.message ?? 'broken' } } },
    };
  }
  if (rec.stuck) return { status: 'DOWN', components: { watchdog: { status: 'DOWN', details: { error: rec.stuck } } } };
  return rec.host.health(healthTimeoutMs + HEALTH_CALL_MARGIN_MS);
}

/** True when a path inside a module's context path is its health endpoint (any query string). */
export function isModuleHealthPath(rest: string): boolean {
  return rest === '/actuator/health' || rest.startsWith('/actuator/health?');
}

/** Writes a health as Spring Boot's actuator does: 503 for DOWN and OUT_OF_SERVICE, else 200. */
export function writeModuleHealth(h: BizHealth, res: ServerResponse): void {
  const body = JSON.stringify(h);
  const status = h.status === 'DOWN' || h.status === 'OUT_OF_SERVICE' ? 503 : 200;
  if (res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/vnd.spring-boot.actuator.v3+json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
