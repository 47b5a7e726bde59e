/**
 * Observing a fleet: `queryAllBiz` on every base, concurrently and bounded in time. A base that cannot be
 * reached or answers anything but SUCCESS is observed as `reachable: false` with the reason; the planner
 * decides what that means (it blocks by default).
 */
import { ArkletClient, type ArkletClientOptions, type BizInfo } from '@nodeark/client';
import { errorText } from './kit.js';
import type { BaseObservation, Fleet, FleetObservation, ObservedBiz } from './types.js';

/** The clients of a fleet's Arklets, one per URL, reused across calls. */
export class FleetClients {
  private readonly clients = new Map<string, ArkletClient>();

  constructor(private readonly options: Omit<ArkletClientOptions, 'baseUrl'> = {}) {}

  /** The client of one Arklet URL. */
  get(arkletUrl: string): ArkletClient {
    let c = this.clients.get(arkletUrl);
    if (!c) {
      c = new ArkletClient({ ...this.options, baseUrl: arkletUrl });
      this.clients.set(arkletUrl, c);
    }
    return c;
  }

  /** Closes every client. */
  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.close().catch(() => {})));
  }
}

/** Options of {@link observeFleet}. */
export interface ObserveOptions {
  /** Bound on each base's `queryAllBiz`. Default 10 000 ms. */
  timeoutMs?: number;
  /** Clients to use (and keep open); by default a temporary set is created and closed. */
  clients?: FleetClients;
  signal?: AbortSignal;
}

/** Turns a `queryAllBiz` element into an {@link ObservedBiz} (latest state record's time and message). */
export function toObservedBiz(b: BizInfo): ObservedBiz {
  const out: ObservedBiz = { bizName: b.bizName, bizVersion: b.bizVersion, bizState: String(b.bizState).toLowerCase() as ObservedBiz['bizState'] };
  const records = Array.isArray(b.bizStateRecords) ? b.bizStateRecords : [];
  const latest = records.reduce<(typeof records)[number] | undefined>(
    (m, r) => (!m || r.changeTime >= m.changeTime ? r : m),
    undefined,
  );
  if (latest) {
    out.changeTime = latest.changeTime;
    if (latest.message) out.message = latest.message;
  }
  return out;
}

/** Observes one base. */
export async function observeBase(
  base: { name: string; arkletUrl: string; labels: Record<string, string>; maxModuleCount?: number; cordon?: boolean },
  client: ArkletClient,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<BaseObservation> {
  const obs: BaseObservation = {
    name: base.name,
    arkletUrl: base.arkletUrl,
    labels: { ...base.labels },
    reachable: false,
    bizs: [],
  };
  if (base.maxModuleCount !== undefined) obs.maxModuleCount = base.maxModuleCount;
  if (base.cordon) obs.cordon = true;
  try {
    const res = await client.queryAllBiz({
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.code !== 'SUCCESS' || !Array.isArray(res.data)) {
      obs.error = `queryAllBiz answered ${res.code}${res.message ? `: ${res.message}` : ''}`;
      return obs;
    }
    obs.reachable = true;
    obs.bizs = res.data.map(toObservedBiz);
  } catch (err) {
    obs.error = errorText(err);
  }
  return obs;
}

/** Observes every base of the fleet concurrently. */
export async function observeFleet(fleet: Fleet, options: ObserveOptions = {}): Promise<FleetObservation> {
  const clients = options.clients ?? new FleetClients({ connectTimeoutMs: options.timeoutMs ?? 10_000 });
  try {
    const bases = await Promise.all(
      fleet.bases.map((b) =>
        observeBase(b, clients.get(b.arkletUrl), {
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      ),
    );
    return { observedAt: Date.now(), bases };
  } finally {
    if (!options.clients) await clients.close();
  }
}
