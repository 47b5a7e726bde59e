/**
 * The logger handed to modules as `ctx.logger`: pino-compatible JSON lines tagged with the module
 * identity, written to the worker's stdout (which Node forwards to the base's stdout). One tiny object per
 * module instead of a pino transport thread per module (docs/security.md).
 */
import { format } from 'node:util';
import type { BizLogger } from '@nodeark/biz';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/** Numeric pino level for a level name (unknown names mean `info`). */
export function levelValue(name: string): number {
  return (LEVELS as Record<string, number>)[name] ?? 30;
}

/** Creates the module logger. */
export function createBizLogger(identity: string, level: string, write: (line: string) => void): BizLogger {
  const min = levelValue(level);
  const make =
    (lvl: number) =>
    (msg: unknown, ...args: unknown[]): void => {
      if (lvl < min) return;
      let obj: Record<string, unknown> = {};
      let text: unknown = msg;
      if (typeof msg === 'object' && msg !== null && !(msg instanceof Error)) {
        obj = msg as Record<string, unknown>;
        text = args.shift();
      } else if (msg instanceof Error) {
        obj = { err: { type: msg.name, message: msg.message, stack: msg.stack } };
        text = args.shift() ?? msg.message;
      }
      const line = {
        level: lvl,
        time: Date.now(),
        biz: identity,
        ...obj,
        msg: typeof text === 'string' ? format(text, ...args) : text === undefined ? '' : String(text),
      };
      write(`${JSON.stringify(line)}\n`);
    };
  return {
    trace: make(10),
    debug: make(20),
    info: make(30),
    warn: make(40),
    error: make(50),
    fatal: make(60),
  };
}
