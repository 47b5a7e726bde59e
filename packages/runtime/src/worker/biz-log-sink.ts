/**
 * Base side of module logging: every record a module worker sends (`ctx.logger` and `console.*`, see
 * biz-logger.ts) is written through the runtime's logger as a child `{ component: 'module', biz }`, so
 * module lines carry the base's fields (`pid`, `name`, `time`) and go wherever the base's lines go, in the
 * base's format (docs/operations.md § Logs).
 */
import type { RuntimeLogger } from '../runtime-options.js';
import type { BizLogRecord } from './protocol.js';

type LevelMethod = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Where one module's log records go. `level` is the module log level (`nodeark.biz.log-level`): it governs
 * module lines rather than the base's level, as before module lines went through the base's logger.
 * Without a logger (a bare `BizRuntime`), lines are printed as JSON on stdout: a module's output is never
 * silently dropped.
 */
export function bizLogSink(
  logger: RuntimeLogger | undefined,
  identity: string,
  level: string,
): (record: BizLogRecord) => void {
  if (!logger) return jsonLineSink(identity);
  if (logger.child) {
    const log = logger.child({ component: 'module', biz: identity }, { level });
    return (record) => write(log, record.level, fieldsOf(record), record.msg);
  }
  return (record) => write(logger, record.level, { component: 'module', biz: identity, ...fieldsOf(record) }, record.msg);
}

function write(log: RuntimeLogger, level: number, fields: Record<string, unknown>, msg: string): void {
  const method = methodOf(level);
  const fn = log[method] ?? (method === 'trace' ? log.debug : log.error);
  fn.call(log, fields, msg);
}

function methodOf(level: number): LevelMethod {
  if (level >= 60) return 'fatal';
  if (level >= 50) return 'error';
  if (level >= 40) return 'warn';
  if (level >= 30) return 'info';
  if (level >= 20) return 'debug';
  return 'trace';
}

/** The record's fields as an object (the worker sends them as JSON text; see biz-logger.ts). */
function fieldsOf(record: BizLogRecord): Record<string, unknown> {
  if (record.fields === undefined) return {};
  let fields: unknown;
  try {
    fields = JSON.parse(record.fields);
  } catch {
    return { fields: record.fields };
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return { fields };
  const obj = fields as Record<string, unknown>;
  const err = obj.err;
  if (typeof err === 'object' && err !== null && !Array.isArray(err)) {
    // pino's `err` serializer names the type after the object's constructor: a plain object would read
    // `"type":"Object"`; a null-prototype copy keeps the module's own `type` (`TypeError`, …).
    obj.err = Object.assign(Object.create(null) as object, err);
  }
  return obj;
}

/** JSON lines on stdout with the same fields a pino logger would add (no logger was configured). */
function jsonLineSink(identity: string): (record: BizLogRecord) => void {
  const tags = `"pid":${process.pid},"component":"module","biz":${JSON.stringify(identity)}`;
  return (record) => {
    // `fields` is the JSON text of an object: its members are spliced in without parsing.
    const fields = record.fields !== undefined && record.fields.length > 2 ? `${record.fields.slice(1, -1)},` : '';
    process.stdout.write(`{"level":${record.level},"time":${Date.now()},${tags},${fields}"msg":${JSON.stringify(record.msg)}}\n`);
  };
}
