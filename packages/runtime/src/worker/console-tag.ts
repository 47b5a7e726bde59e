/**
 * A module's `console` output goes through its logger, so every line reaches the base's logger with the
 * module identity (`biz`) and `component: 'module'` like `ctx.logger` lines do; without this, several
 * modules' output would interleave untagged on the base's stdout, outside the base's log format.
 */
import { format } from 'node:util';
import type { BizLogger } from '@nodeark/biz';

/** Routes `console.log/info/debug/warn/error` of this worker to `logger`. */
export function tagConsole(logger: BizLogger): void {
  const line = (write: (msg: string) => void) => (...args: unknown[]) => write(format(...args));
  console.log = line((m) => logger.info(m));
  console.info = line((m) => logger.info(m));
  console.debug = line((m) => logger.debug(m));
  console.warn = line((m) => logger.warn(m));
  console.error = line((m) => logger.error(m));
}
