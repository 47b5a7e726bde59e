/**
 * System health indicators (docs/reference/arklet-protocol.md § System indicators; Java `Indicator`,
 * `HealthService.registerIndicator`):
 * the built-in `cpu` and `jvm` plus custom ones, each reported under its id. A custom indicator that throws
 * or exceeds its timeout reports `{"error": "<message>"}` instead of failing the whole health command.
 */
import { messageOf } from '../envelope.js';
import { ERR_ARKLET_INVALID_INDICATOR } from '../errors.js';
import type { HealthIndicatorFn } from '../types.js';

/** Raised by {@link IndicatorRegistry.collect} for an unknown metric id. */
export class UnknownIndicatorError extends Error {
  constructor() {
    super('indicator not registered');
    this.name = 'UnknownIndicatorError';
  }
}

/** The registered indicators, in registration order. */
export class IndicatorRegistry {
  private readonly indicators = new Map<string, HealthIndicatorFn>();

  constructor(private readonly timeoutMs = 3000) {}

  /** Registers `fn` under `id`; a blank id, a non-function or a taken id is refused. */
  register(id: string, fn: HealthIndicatorFn): void {
    if (typeof id !== 'string' || id.trim() === '') throw new ERR_ARKLET_INVALID_INDICATOR(String(id), 'the id must be a non-blank string');
    if (typeof fn !== 'function') throw new ERR_ARKLET_INVALID_INDICATOR(id, 'the indicator must be a function');
    if (this.indicators.has(id)) throw new ERR_ARKLET_INVALID_INDICATOR(id, 'an indicator with this id is already registered');
    this.indicators.set(id, fn);
  }

  /** Registered ids. */
  ids(): string[] {
    return [...this.indicators.keys()];
  }

  /**
   * Evaluates the indicators named in `metrics` (all of them when `metrics` is empty or absent), concurrently.
   * Throws {@link UnknownIndicatorError} when a name is not registered.
   */
  async collect(metrics: readonly string[] | undefined): Promise<Record<string, Record<string, unknown>>> {
    const ids = metrics && metrics.length > 0 ? [...new Set(metrics)] : this.ids();
    for (const id of ids) if (!this.indicators.has(id)) throw new UnknownIndicatorError();
    const values = await Promise.all(ids.map((id) => this.evaluate(this.indicators.get(id) as HealthIndicatorFn)));
    const out: Record<string, Record<string, unknown>> = {};
    ids.forEach((id, i) => {
      out[id] = values[i] as Record<string, unknown>;
    });
    return out;
  }

  private async evaluate(fn: HealthIndicatorFn): Promise<Record<string, unknown>> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(fn),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`indicator timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      if (typeof result !== 'object' || result === null || Array.isArray(result)) {
        return { error: 'indicator returned a non-object value' };
      }
      return result;
    } catch (err) {
      return { error: messageOf(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}
