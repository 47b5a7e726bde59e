import type { BizDefinition, HealthResult } from './types.js';

/**
 * Identity helper that gives a module definition its types. It returns its argument unchanged, so a module
 * built with it behaves exactly like one that exports a plain object.
 *
 * @example
 * export default defineBiz({ fetch: () => new Response('hello') });
 */
export function defineBiz<T extends BizDefinition>(definition: T): T {
  return definition;
}

/** Builds an `UP` health result, optionally with details. */
export function up(details?: Record<string, unknown>): HealthResult {
  return details === undefined ? { status: 'UP' } : { status: 'UP', details };
}

/** Builds a `DOWN` health result, optionally with details. */
export function down(details?: Record<string, unknown>): HealthResult {
  return details === undefined ? { status: 'DOWN' } : { status: 'DOWN', details };
}
