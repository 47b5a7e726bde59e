/**
 * Option parsing of the `nodeark` CLI, on `node:util` `parseArgs` in strict mode: every command refuses an
 * option it does not know (with the closest known one as a suggestion), a value-taking option accepts
 * `--key value` as well as `--key=value`, and `-h` is `--help` everywhere.
 *
 * Two shapes are handled before `parseArgs` sees the arguments, because it cannot express them:
 * - Spring-style configuration keys (`--server.port=8080`, `--server.port 8080`) of `nodeark start`:
 *   `parseArgs` needs every option declared up front, but the keys include open families
 *   (`management.endpoint.health.status.http-mapping.<STATUS>`) and are validated by the configuration
 *   loader, which owns the key list and its own suggestions. {@link extractConfigArgs} takes them out,
 *   normalised to `--key=value`.
 * - verbatim options (`install --arg --port=1` passes `--port=1` to the module): strict `parseArgs` refuses
 *   a value that starts with `-` unless it is written `--arg=--port=1`.
 * A negative number after a value-taking option (`--replicas -1`) is also joined to it first, for the same
 * reason.
 */
import { parseArgs as utilParseArgs, type ParseArgsConfig } from 'node:util';
import { suggestOption } from '../suggest.js';

/** One option a command accepts. */
export interface OptionDef {
  /** `string` takes a value (`--name x`, `--name=x`); `boolean` is a flag and refuses one. */
  type: 'string' | 'boolean';
  /** A one-letter alias (`f` for `-f`). */
  short?: string;
  /** May repeat; the values are collected in order. */
  multiple?: boolean;
  /** A repeatable string option whose value is the next word as is, even one starting with `-`. */
  verbatim?: boolean;
}

/** The options of a command, by long name (without dashes). */
export type OptionDefs = Readonly<Record<string, OptionDef>>;

/** What {@link parseOptions} returns. */
export interface ParsedOptions {
  positionals: string[];
  /** `true` for a flag, the string of a single option, every value (in order) of a repeatable one. */
  values: Record<string, string | true | string[]>;
}

/** An argument a command cannot accept; the message is the whole explanation (`unknown option --port; …`). */
export class OptionError extends Error {
  override name = 'OptionError';
}

/** The message for an option nobody declared, with the closest of `candidates` when one is close enough. */
export function unknownOptionMessage(typed: string, candidates: readonly string[]): string {
  const near = suggestOption(typed, candidates);
  return `unknown option ${typed}${near ? `; did you mean ${near}?` : ''}`;
}

/** The `-h` alias every command has; `main` answers help before a command runs. */
const HELP: OptionDef = { type: 'boolean', short: 'h' };

/**
 * Parses a command's arguments: positionals plus the declared options. Throws {@link OptionError} for an
 * unknown option (suggesting the closest of the command's options, then of `extraCandidates`), a missing
 * value, or a value given to a flag.
 */
export function parseOptions(
  argv: readonly string[],
  defs: OptionDefs,
  extraCandidates: readonly string[] = [],
): ParsedOptions {
  const options: Record<string, OptionDef> = { help: HELP, ...defs };
  const verbatim: Record<string, string[]> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--([^=]+)(?:=(.*))?$/s.exec(a);
    const def = m ? options[m[1]!] : undefined;
    if (m && def?.verbatim) {
      const key = m[1]!;
      let value = m[2];
      if (value === undefined) {
        value = argv[i + 1];
        if (value === undefined) throw new OptionError(`--${key} needs a value`);
        i++;
      }
      (verbatim[key] ??= []).push(value);
    } else if (m && m[2] === undefined && def?.type === 'string' && /^-\d/.test(argv[i + 1] ?? '')) {
      rest.push(`${a}=${argv[i + 1]!}`);
      i++;
    } else {
      rest.push(a);
    }
  }

  const utilOptions: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
    Object.entries(options)
      .filter(([, d]) => !d.verbatim)
      .map(([name, d]) => [
        name,
        { type: d.type, ...(d.short ? { short: d.short } : {}), ...(d.multiple ? { multiple: true } : {}) },
      ]),
  );
  let parsed: { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] };
  try {
    parsed = utilParseArgs({ args: rest, options: utilOptions, strict: true, allowPositionals: true });
  } catch (err) {
    if (!String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) throw err;
    throw explain(rest, options, utilOptions, [...Object.keys(options), ...extraCandidates]) ?? new OptionError((err as Error).message.split('\n')[0]!);
  }

  const values: ParsedOptions['values'] = {};
  for (const [key, v] of Object.entries(parsed.values)) {
    if (v === undefined || v === false) continue;
    values[key] = Array.isArray(v) ? v.map(String) : v === true ? true : v;
  }
  for (const [key, v] of Object.entries(verbatim)) values[key] = v;
  return { positionals: parsed.positionals, values };
}

/**
 * Turns a `parseArgs` refusal into a stable message of ours: the first offending token, found by parsing
 * again without strictness (which tokenises the same way but does not throw).
 */
function explain(
  args: string[],
  options: Record<string, OptionDef>,
  utilOptions: NonNullable<ParseArgsConfig['options']>,
  candidates: string[],
): OptionError | undefined {
  const { tokens } = utilParseArgs({ args, options: utilOptions, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const def = options[t.name];
    const known = def !== undefined && (t.rawName.startsWith('--') || def.short === t.rawName.slice(1));
    if (!known) return new OptionError(unknownOptionMessage(t.rawName, candidates));
    if (def.type === 'string' && t.value === undefined) return new OptionError(`${t.rawName} needs a value`);
    if (def.type === 'string' && !t.inlineValue && t.value?.startsWith('-')) {
      return new OptionError(`${t.rawName} needs a value (for one that starts with "-", write ${t.rawName}=${t.value})`);
    }
    if (def.type === 'boolean' && t.value !== undefined) return new OptionError(`${t.rawName} takes no value`);
  }
  return undefined;
}

/**
 * Takes the Spring-style configuration arguments (`--a.b=c` or `--a.b c`: a long option whose name has a
 * dot) out of `argv`, normalised to `--a.b=c` for the configuration loader, which validates the keys.
 * `--key value` takes the next word unless it starts with `--`. Everything after `--` is left in `rest`.
 */
export function extractConfigArgs(argv: readonly string[]): { config: string[]; rest: string[] } {
  const config: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--([^=]*\.[^=]*)(?:=(.*))?$/s.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const key = m[1]!;
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new OptionError(`--${key} needs a value (--${key}=<value> or --${key} <value>)`);
      value = next;
      i++;
    }
    config.push(`--${key}=${value}`);
  }
  return { config, rest };
}

/** True when the arguments ask for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  return head.includes('--help') || head.includes('-h');
}
