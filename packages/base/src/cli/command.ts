/**
 * The shape of a `nodeark` CLI sub-command. Each command lives in its own file under `commands/` and is
 * listed in `main.ts`.
 */

/** Streams a command writes to (injectable for tests). */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** One sub-command: `nodeark <name> [args]`. */
export interface CliCommand {
  /** The word after `nodeark` (`start`, `pack`, `install`, …). */
  name: string;
  /** One line for `nodeark --help`. */
  summary: string;
  /** Full `--help` text of the command. */
  usage: string;
  /** Runs the command; resolves with the process exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Parsed `--key=value`, `--key value` and `--flag` options plus positional arguments. */
export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}

/**
 * Parses argv. `--key=value` always binds; `--key value` binds only for keys listed in `valued`
 * (so `--json install.json` stays a flag and a positional).
 */
export function parseArgs(argv: string[], valued: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 2) {
        options[a.slice(2, eq)] = a.slice(eq + 1);
      } else {
        const key = a.slice(2);
        const next = argv[i + 1];
        if (valued.includes(key) && next !== undefined && !next.startsWith('--')) {
          options[key] = next;
          i++;
        } else {
          options[key] = true;
        }
      }
    } else if (a === '-h') {
      options.help = true;
    } else {
      positionals.push(a);
    }
  }
  return { positionals, options };
}
