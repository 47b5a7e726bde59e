/**
 * The health contributors by name: the built-in components (ping, diskSpace, metrics, STARTUP, AGG, the
 * availability states) and the indicators the base registers, each bounded by the indicator timeout
 * (docs/health.md). A group or the root reads its members from here.
 */
import type { HealthResult } from '@nodeark/biz';
import type { BizAggregate } from './aggregate.js';
import type { ActuatorConfig } from './config.js';
import {
  diskSpaceIndicator,
  livenessIndicator,
  metricsIndicator,
  pingIndicator,
  readinessIndicator,
  runIndicator,
  type BaseHealthIndicator,
} from './indicators.js';
import type { Availability } from './lifecycle.js';

interface Contributor {
  fn: () => Promise<HealthResult>;
  builtIn: boolean;
}

/** Named health contributors; built-in ones cannot be removed. */
export class HealthRegistry {
  private readonly contributors = new Map<string, Contributor>();

  constructor(private readonly indicatorTimeoutMs: number) {}

  /** Adds (or replaces) a built-in component. */
  addBuiltIn(name: string, fn: () => Promise<HealthResult>): void {
    this.contributors.set(name, { fn, builtIn: true });
  }

  /** Adds a base indicator, bounded by the indicator timeout. The caller has checked the name is free. */
  add(name: string, fn: BaseHealthIndicator): void {
    this.contributors.set(name, { fn: this.bounded(fn), builtIn: false });
  }

  /** Removes a registered base indicator; false for an unknown name or a built-in component. */
  remove(name: string): boolean {
    const c = this.contributors.get(name);
    if (!c || c.builtIn) return false;
    return this.contributors.delete(name);
  }

  /** True when a contributor of that name exists. */
  has(name: string): boolean {
    return this.contributors.has(name);
  }

  /** Every contributor name, in registration order. */
  names(): string[] {
    return [...this.contributors.keys()];
  }

  /** `fn` bounded by the indicator timeout (a slow or throwing indicator is DOWN, not a hung request). */
  bounded(fn: BaseHealthIndicator): () => Promise<HealthResult> {
    return () => runIndicator(fn, this.indicatorTimeoutMs);
  }

  /** The result of one contributor: UNKNOWN when there is none, DOWN with the error when it throws. */
  async evaluate(name: string): Promise<HealthResult> {
    const c = this.contributors.get(name);
    if (!c) return { status: 'UNKNOWN' };
    try {
      return await c.fn();
    } catch (err) {
      return { status: 'DOWN', details: { error: `${(err as Error).name}: ${(err as Error).message}` } };
    }
  }
}

/** What the built-in components read. */
export interface BuiltInSources {
  /** The STARTUP and AGG component names. */
  names: { readonly startup: string; readonly aggregate: string };
  /** The STARTUP component's result. */
  startupHealth(): HealthResult;
  /** The AGG component. */
  aggregate: BizAggregate;
  /** The base's liveness and readiness. */
  availability: Availability;
}

/**
 * Registers the built-in components the configuration enables: ping, diskSpace and metrics (Spring's
 * defaults), STARTUP, AGG, and the liveness and readiness states when probes are on.
 */
export function addBuiltInIndicators(registry: HealthRegistry, config: ActuatorConfig, src: BuiltInSources): void {
  const defaults = config.healthDefaultsEnabled;
  const bounded = (fn: BaseHealthIndicator): (() => Promise<HealthResult>) => registry.bounded(fn);
  if (config.pingEnabled ?? defaults) registry.addBuiltIn('ping', bounded(pingIndicator));
  if (config.diskSpaceEnabled ?? defaults) {
    registry.addBuiltIn('diskSpace', bounded(diskSpaceIndicator(config.diskSpacePath, config.diskSpaceThreshold)));
  }
  if (config.metricsEnabled ?? config.metaspaceCheck) {
    registry.addBuiltIn('metrics', bounded(metricsIndicator(config.metaspaceCheck, config.metaspaceThreshold)));
  }
  registry.addBuiltIn(src.names.startup, async () => src.startupHealth());
  registry.addBuiltIn(src.names.aggregate, () => src.aggregate.evaluate());
  if (config.probesEnabled || config.livenessStateEnabled) {
    registry.addBuiltIn('livenessState', bounded(livenessIndicator(src.availability)));
  }
  if (config.probesEnabled || config.readinessStateEnabled) {
    registry.addBuiltIn('readinessState', bounded(readinessIndicator(src.availability)));
  }
}
