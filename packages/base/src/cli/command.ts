/**
 * The shape of a `nodeark` CLI sub-command. Each command lives in its own file under `commands/` and is
 * listed in `main.ts`.
 */

/**
 * Streams a command writes to (injectable for tests). With `--json`, stdout carries exactly one JSON
 * document and everything else (progress, notes) goes to stderr. The `nodeark` bin exits quietly when
 * stdout's reader goes away (`nodeark list | head -1`, see `closed-pipe.ts`), so commands need not check.
 */
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

/** A command's parsed arguments: positionals, single-valued options and flags (`true`). */
export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}
