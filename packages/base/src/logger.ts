/**
 * The base's logger: pino, JSON lines on stdout, level from `logging.level.root`.
 */
import { pino, type Logger } from 'pino';

/** Creates the base logger. */
export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, base: { pid: process.pid } });
}

export type { Logger };
