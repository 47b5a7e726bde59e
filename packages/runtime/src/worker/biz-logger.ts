/**
 * The logger handed to modules as `ctx.logger`: pino-style calls (`info(msg, ...args)`, `info(obj, msg?)`,
 * `error(err)`) become records the worker sends to the base, which writes them through its own logger
 * with `component: 'module'` and `biz` set (biz-log-sink.ts). The base's logger decides the format and the
 * destination, so module lines look like every other line. One tiny object per module instead of a pino
 * instance or a transport thread per module (docs/security.md).
 */
import { format } from 'node:util';
import type { BizLogger } from '@nodeark/biz';
import type { BizLogRecord } from './protocol.js';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/**
 * Fields the base sets on every line. A module's own value for one of them is kept under `module.<key>`
 * instead: a module must not be able to relabel its lines as another module's or as the base's.
 */
const RESERVED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'component', 'biz', 'msg']);

/** Numeric pino level for a level name (unknown names mean `info`). */
export function levelValue(name: string): number {
  return (LEVELS as Record<string, number>)[name] ?? 30;
}

/** Creates the module logger; `emit` receives every line at or above `level`. */
export function createBizLogger(level: string, emit: (record: BizLogRecord) => void): BizLogger {
  const min = levelValue(level);
  const make =
    (lvl: number) =>
    (msg: unknown, ...args: unknown[]): void => {
      if (lvl < min) return;
      let fields: string | undefined;
      let text: unknown = msg;
      if (msg instanceof Error) {
        fields = toJson({ err: errorFields(msg) });
        text = args.shift() ?? msg.message;
      } else if (typeof msg === 'object' && msg !== null) {
        fields = fieldsOf(msg as Record<string, unknown>);
        text = args.shift();
      }
      const record: BizLogRecord = {
        t: 'log',
        level: lvl,
        msg: typeof text === 'string' ? format(text, ...args) : text === undefined ? '' : String(text),
      };
      if (fields !== undefined) record.fields = fields;
      emit(record);
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

/** The module's fields as JSON: reserved keys renamed, `Error` values as `{ type, message, stack }`. */
function fieldsOf(obj: Record<string, unknown>): string | undefined {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    out ??= {};
    out[RESERVED.has(key) ? `module.${key}` : key] = value instanceof Error ? errorFields(value) : value;
  }
  return out === undefined ? undefined : toJson(out);
}

/** What pino's `err` serializer keeps of an error (JSON would turn an `Error` into `{}`). */
function errorFields(e: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') fields.code = code;
  return fields;
}

/** JSON text of the fields; never throws, whatever the module logged (cycles, BigInt, a throwing `toJSON`). */
function toJson(value: Record<string, unknown>): string {
  try {
    return JSON.stringify(value);
  } catch {
    // Rare, so the plain (fast) path is tried first.
    try {
      const seen = new WeakSet<object>();
      return JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      });
    } catch (err) {
      return JSON.stringify({ logError: `fields could not be serialised: ${String(err)}` });
    }
  }
}
