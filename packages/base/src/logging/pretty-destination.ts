/**
 * Readable log lines for people at a terminal (`logging.format=pretty`), without a pretty-printing
 * dependency: a pino destination that turns each JSON line back into
 *
 *     12:34:56.789 INFO  [arklet] install done  biz=foo:1.0.0 costMs=12
 *
 * with an error's stack indented below its line. It runs in the logging thread, so it stays small: one
 * `JSON.parse` and one string per line.
 */
import { styleText } from 'node:util';

/** Where log lines are written: a Writable (`process.stdout`) or anything with `write`. */
export interface LogStream {
  write(chunk: string): unknown;
  /** A terminal: `auto` format picks pretty output and colours are used. */
  isTTY?: boolean;
}

/** Options of {@link prettyDestination}. */
export interface PrettyOptions {
  /** ANSI colours. Default: when `out` is a terminal and `NO_COLOR` is not set (no-color.org). */
  colors?: boolean;
}

/** One `util.inspect.colors` name: arrays of them came after `styleText` itself, single names work everywhere. */
type Format = Extract<Parameters<typeof styleText>[0], string>;

const LEVEL_LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<number, Format> = { 10: 'gray', 20: 'blue', 30: 'green', 40: 'yellow', 50: 'red', 60: 'magenta' };

/** Fields shown in the line's fixed part, or left out as noise at a terminal. */
const SHOWN_APART = new Set(['level', 'time', 'pid', 'hostname', 'name', 'component', 'msg']);

/** True when colours are wanted on `out` (a terminal, and `NO_COLOR` not set to a non-empty value). */
export function wantsColors(out: LogStream): boolean {
  return out.isTTY === true && !process.env.NO_COLOR;
}

/**
 * A pino destination (`pino(options, prettyDestination())`) printing each line readably to `out`
 * (default `process.stdout`). A line that is not a JSON object is passed through unchanged.
 */
export function prettyDestination(
  out: LogStream = process.stdout,
  options: PrettyOptions = {},
): { write(line: string): void } {
  const colors = options.colors ?? wantsColors(out);
  return {
    write(chunk: string): void {
      // pino writes one line per call; anything else is split rather than mangled.
      const end = chunk.indexOf('\n');
      if (end !== -1 && end < chunk.length - 1) {
        for (const line of chunk.split('\n')) if (line !== '') out.write(formatLine(line, colors));
        return;
      }
      out.write(formatLine(chunk, colors));
    },
  };
}

/** One JSON log line as a readable line (with its trailing newline). */
export function formatLine(line: string, colors: boolean): string {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return line.endsWith('\n') ? line : `${line}\n`;
  const r = rec as Record<string, unknown>;
  const style = colors
    ? (format: Format, text: string) => styleText(format, text, { validateStream: false })
    : (_format: Format, text: string) => text;

  const level = typeof r.level === 'number' ? r.level : 30;
  let out = `${style('gray', clock(r.time))} ${style(LEVEL_COLORS[level] ?? 'white', LEVEL_LABELS[level] ?? String(r.level).padEnd(5))}`;
  if (r.component !== undefined) out += ` ${style('cyan', `[${String(r.component)}]`)}`;
  if (r.msg !== undefined && r.msg !== '') out += ` ${String(r.msg)}`;

  let extras = '';
  let stack: string | undefined;
  for (const key of Object.keys(r)) {
    if (SHOWN_APART.has(key)) continue;
    const value = r[key];
    if (key === 'err' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // A stack goes below the line (its first line names the error); without one, the message stays on
      // the line. Other fields (a `code`) stay on the line either way.
      const err = value as Record<string, unknown>;
      if (typeof err.stack === 'string' && err.stack.trim() !== '') stack = err.stack;
      else if (err.message !== undefined) extras += ` ${style('dim', 'err=')}${valueText(err.message)}`;
      for (const k of Object.keys(err)) {
        if (k !== 'stack' && k !== 'message' && k !== 'type') extras += ` ${style('dim', `err.${k}=`)}${valueText(err[k])}`;
      }
      continue;
    }
    extras += ` ${style('dim', `${key}=`)}${valueText(value)}`;
  }
  if (extras !== '') out += ` ${extras}`;
  out += '\n';
  if (stack !== undefined) out += `${style(level >= 50 ? 'red' : 'dim', indent(stack))}\n`;
  return out;
}

/** Local wall-clock time `HH:MM:SS.mmm` of a pino `time` (epoch ms or an ISO string). */
function clock(time: unknown): string {
  const d = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date();
  if (Number.isNaN(d.getTime())) return String(time);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A field's value: bare when unambiguous (`biz=foo:1.0.0`), else JSON (`msg="two words"`, objects). */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value !== '' && /^[^\s"=\\\u0000-\u001f\u007f]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Indents every line, keeping the stack's own indentation of its `at` lines. */
function indent(text: string): string {
  return `    ${text.replace(/\n/g, '\n    ')}`;
}
