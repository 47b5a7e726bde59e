/**
 * Shared plumbing of the Arklet CLI commands (`install`, `uninstall`, `switch`, `list`, `health`, `ops`,
 * `batch`): option parsing with repeatable options, the client, envelope reporting and exit codes.
 *
 * Exit codes: 0 success; 1 the command answered FAILED / CMD_NOT_FOUND / CMD_PROCESS_INTERNAL_ERROR or the
 * Arklet could not be reached; 2 usage error.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArkletClient, DEFAULT_ARKLET_URL, type ArkletResponse } from '@nodeark/client';
import type { CliIO, ParsedArgs } from '../command.js';
import { OptionError, parseOptions, type OptionDef, type ParsedOptions } from '../parse-options.js';

/** Exit code of a command that ran and succeeded. */
export const EXIT_OK = 0;
/** Exit code of a command that answered anything but SUCCESS, or a transport error. */
export const EXIT_FAILED = 1;
/** Exit code of a usage error. */
export const EXIT_USAGE = 2;

/** Options every Arklet command accepts. */
export const COMMON_OPTIONS_HELP = `Common options:
  --arklet <url>       Arklet address (default: $NODEARK_ARKLET or ${DEFAULT_ARKLET_URL})
  --timeout <ms>       give up after this long (default 120000)
  --token <token>      Arklet token when the base requires one (default: $NODEARK_ARKLET_TOKEN)
  --json               print the raw response envelope as JSON
  -h, --help           show this help`;

/** A usage error: reported with the command's usage, exit 2. */
export class UsageError extends Error {}

/** What {@link parseCommandArgs} returns. */
export interface ArkletArgs extends ParsedArgs {
  /** Values of repeatable options, in order (`--arg a --arg b` → `{arg: ['a','b']}`). */
  repeated: Record<string, string[]>;
  json: boolean;
}

/**
 * Parses argv: `valued` options take a value (`--name x` or `--name=x`), `repeatable` ones take a value
 * and may repeat (their value is taken verbatim, so `--arg --port=1` passes `--port=1`), `flags` take none,
 * `short` maps one-letter aliases to long names (`{ f: 'file' }`). Every command has `--arklet`,
 * `--timeout`, `--token`, `--json` and `-h`/`--help`. Unknown options are usage errors naming the closest
 * known option.
 */
export function parseCommandArgs(
  argv: string[],
  spec: { valued?: string[]; repeatable?: string[]; flags?: string[]; short?: Record<string, string> } = {},
): ArkletArgs {
  const defs: Record<string, OptionDef> = {};
  for (const key of ['arklet', 'timeout', 'token', ...(spec.valued ?? [])]) defs[key] = { type: 'string' };
  for (const key of spec.repeatable ?? []) defs[key] = { type: 'string', multiple: true, verbatim: true };
  for (const key of ['json', ...(spec.flags ?? [])]) defs[key] = { type: 'boolean' };
  for (const [letter, key] of Object.entries(spec.short ?? {})) {
    const def = defs[key];
    if (def) defs[key] = { ...def, short: letter };
  }
  let parsed: ParsedOptions;
  try {
    parsed = parseOptions(argv, defs);
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message);
    throw err;
  }
  const options: Record<string, string | true> = {};
  const repeated: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(parsed.values)) {
    if (Array.isArray(value)) repeated[key] = value;
    else options[key] = value;
  }
  return { positionals: parsed.positionals, options, repeated, json: options['json'] === true };
}

/** A string option, or undefined. */
export function optionString(args: ParsedArgs, key: string): string | undefined {
  const v = args.options[key];
  return typeof v === 'string' ? v : undefined;
}

/** The client for `--arklet` / `$NODEARK_ARKLET` / the default, with `--timeout`. */
export function clientFor(args: ParsedArgs): ArkletClient {
  const baseUrl = optionString(args, 'arklet') ?? (process.env['NODEARK_ARKLET'] || DEFAULT_ARKLET_URL);
  const timeout = optionString(args, 'timeout');
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    timeoutMs = Number(timeout);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive number of milliseconds, got ${timeout}`);
  }
  try {
    const token = optionString(args, 'token') ?? (process.env['NODEARK_ARKLET_TOKEN'] || undefined);
    return new ArkletClient({
      baseUrl,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A bizUrl as given, or a local path turned into a `file:` URL (relative to `base`, default the cwd). */
export function toBizUrl(value: string, base = process.cwd()): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && !/^[A-Za-z]:[\\/]/.test(value)) return value;
  return pathToFileURL(isAbsolute(value) ? value : resolve(base, value)).href;
}

/** Writes `--json` output: the envelope, pretty-printed. */
export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reports a non-SUCCESS envelope on stderr (`nodeark <cmd>: <code>: <message> — <data.message> [<data.code>]`)
 * and returns exit 1.
 */
export function reportFailure(io: CliIO, name: string, res: ArkletResponse): number {
  const data = res.data as { code?: unknown; message?: unknown } | undefined;
  const parts = [res.message ?? ''];
  if (typeof data?.message === 'string' && data.message !== res.message) parts.push(data.message);
  const detail = parts.filter((p) => p !== '').join(' — ');
  const dataCode = typeof data?.code === 'string' && data.code !== res.code ? ` [${data.code}]` : '';
  io.stderr.write(`nodeark ${name}: ${res.code}: ${detail || '(no message)'}${dataCode}\n`);
  return EXIT_FAILED;
}

/**
 * Runs a command body with uniform error handling: usage errors print the usage (exit 2), client errors
 * print their message and code (exit 1). The client is closed afterwards.
 */
export async function runArkletCommand(
  io: CliIO,
  name: string,
  usage: string,
  body: (clientOf: (args: ParsedArgs) => ArkletClient) => Promise<number>,
): Promise<number> {
  let client: ArkletClient | undefined;
  try {
    return await body((args) => (client ??= clientFor(args)));
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`nodeark ${name}: ${err.message}\n\n${usage.endsWith('\n') ? usage : `${usage}\n`}`);
      return EXIT_USAGE;
    }
    const e = err as { code?: unknown; message?: unknown };
    io.stderr.write(`nodeark ${name}: ${String(e?.message ?? err)}${typeof e?.code === 'string' ? ` [${e.code}]` : ''}\n`);
    return EXIT_FAILED;
  } finally {
    await client?.close().catch(() => {});
  }
}

/** Renders rows as an aligned text table with a header row. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Epoch ms → ISO-8601 without milliseconds (`2026-11-25T15:01:37Z`), or `-`. */
export function isoTime(ms: number | undefined): string {
  return typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}
