/** A pino-compatible logger (the subset the tunnels use). */
export interface TunnelLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** The default: logs nothing. */
export const silentLogger: TunnelLogger = { info() {}, warn() {}, error() {}, debug() {} };

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
