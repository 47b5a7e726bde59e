/**
 * The base's logger: pino at `logging.level.root`, JSON lines or readable lines (`logging.format`), and
 * {@link NodearkLogger}, the logger shape every part of the base accepts, so that a host's own logger
 * (fastify's `app.log`, any pino logger) can be passed in as it is (docs/operations.md § Logs).
 */
import { pino } from 'pino';
import { prettyDestination, type LogStream } from './logging/pretty-destination.js';

/** One log method, called as pino's: `info(obj, msg?, ...args)`, `info(err)` or `info(msg, ...args)`. */
export interface NodearkLogFn {
  (obj: object, msg?: string, ...args: unknown[]): void;
  (msg: string, ...args: unknown[]): void;
}

/** Options of {@link NodearkLogger.child}. */
export interface NodearkChildLoggerOptions {
  /** The child's own level (pino lets it differ from the parent's). */
  level?: string;
}

/**
 * A pino-compatible logger: what `createBase({ logger })`, `nodearkPlugin` and the rest of the base take.
 * Any pino `Logger` and fastify's `FastifyBaseLogger` (`app.log`) fit it without a cast.
 */
export interface NodearkLogger {
  /** The current level name (`info`, `silent`, …). */
  level: string;
  fatal: NodearkLogFn;
  error: NodearkLogFn;
  warn: NodearkLogFn;
  info: NodearkLogFn;
  debug: NodearkLogFn;
  trace: NodearkLogFn;
  /** A logger adding `bindings` to every line (nodeark binds `component`, and `biz` on module lines). */
  child(bindings: Record<string, unknown>, options?: NodearkChildLoggerOptions): NodearkLogger;
}

/** The logger type used throughout the base. */
export type Logger = NodearkLogger;

/** `logging.format`: JSON lines, readable lines, or readable when the output is a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Level name. Default `info`. */
  level?: string;
  /** The `name` field of every line. Default `nodeark`. */
  name?: string;
  /** Default `auto`: pretty when `destination` is a terminal, else JSON. */
  format?: LogFormat;
  /** Where lines go. Default stdout. */
  destination?: LogStream;
}

/**
 * Creates a logger the way the base does for itself: pino with `pid` and `name` on every line
 * (`hostname` is left out: log collectors record the host), JSON or readable lines.
 */
export function createLogger(options: CreateLoggerOptions = {}): NodearkLogger {
  const { level = 'info', name = 'nodeark', format = 'auto', destination } = options;
  const settings = { level, name, base: { pid: process.pid }, serializers: { err: serializeErr } };
  const pretty = format === 'pretty' || (format === 'auto' && (destination ?? process.stdout).isTTY === true);
  if (pretty) return pino(settings, prettyDestination(destination ?? process.stdout));
  // JSON to stdout: pino's own fast destination (sonic-boom on fd 1).
  return destination ? pino(settings, destination) : pino(settings);
}

/**
 * pino's `err` serializer, except that a plain object passes unchanged: it is an error someone already
 * serialised (the runtime's `{ type, message, stack }` of a module's crash, a tunnel's `{ message, code }`),
 * and pino's would relabel it `"type":"Object"` and add an empty stack.
 */
function serializeErr(err: unknown): unknown {
  if (typeof err === 'object' && err !== null && Object.getPrototypeOf(err) === Object.prototype) return err;
  return pino.stdSerializers.err(err as Error);
}
