/**
 * Spring Boot's status model: codes compared after normalisation (lower case, letters
 * and digits only), aggregation by an ordered list, and the status → HTTP code mapping.
 */

/** Spring's `getUniformCode`: `out-of-service`, `OUT_OF_SERVICE` and `outOfService` are the same status. */
export function uniformCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `SimpleStatusAggregator`: the member status appearing first in `order`; none in the order → `UNKNOWN`. */
export class StatusAggregator {
  private readonly order: string[];
  constructor(order: readonly string[]) {
    this.order = order.map(uniformCode);
  }
  aggregate(statuses: Iterable<string>): string {
    let best: string | undefined;
    let bestRank = Infinity;
    for (const s of statuses) {
      const r = this.order.indexOf(uniformCode(s));
      if (r !== -1 && r < bestRank) {
        bestRank = r;
        best = s;
      }
    }
    return best ?? 'UNKNOWN';
  }
}

/** `SimpleHttpCodeStatusMapper`: a non-empty mapping replaces the defaults (DOWN, OUT_OF_SERVICE → 503). */
export class HttpCodeStatusMapper {
  private readonly mapping: Map<string, number>;
  constructor(mapping: Readonly<Record<string, number>>) {
    const entries: Array<[string, number]> = Object.entries(mapping);
    const used: Array<[string, number]> = entries.length > 0 ? entries : [['DOWN', 503], ['OUT_OF_SERVICE', 503]];
    this.mapping = new Map(used.map(([k, v]) => [uniformCode(k), v]));
  }
  statusCode(status: string): number {
    return this.mapping.get(uniformCode(status)) ?? 200;
  }
}

/**
 * The Koupleless per-module / AGG rule: any DOWN → DOWN; otherwise any
 * UNKNOWN → UNKNOWN; otherwise UP. OUT_OF_SERVICE and custom codes leave it UP. Order-independent.
 */
export function kouplelessAggregate(statuses: Iterable<string>): 'UP' | 'DOWN' | 'UNKNOWN' {
  let unknown = false;
  for (const s of statuses) {
    const u = uniformCode(s);
    if (u === 'down') return 'DOWN';
    if (u === 'unknown') unknown = true;
  }
  return unknown ? 'UNKNOWN' : 'UP';
}
