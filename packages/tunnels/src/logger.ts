/** The tunnels' logger type and default, and how they log an error. */
import type { LevelLogger } from '@nodeark/runtime';

/** A pino-compatible logger (the subset the tunnels use): `@nodeark/runtime`'s `LevelLogger`. */
export type TunnelLogger = LevelLogger;

/** The default: logs nothing (`@nodeark/runtime`'s). */
export { silentLogger } from '@nodeark/runtime';

/** `err` as a short loggable object. */
export function errInfo(err: unknown): { message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    const causeMsg = cause instanceof Error ? `: ${cause.message}` : '';
    return typeof code === 'string' ? { message: err.message + causeMsg, code } : { message: err.message + causeMsg };
  }
  return { message: String(err) };
}
