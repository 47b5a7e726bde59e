/**
 * `nodeark` CLI dispatcher: `nodeark <command> [args]`, `nodeark --help`, `nodeark <command> --help`.
 */
import type { CliCommand, CliIO } from './command.js';
import { wantsHelp } from './parse-options.js';
import { suggestOption } from '../suggest.js';

export { exitQuietlyOnClosedPipe } from './closed-pipe.js';

type CommandGroup = () => Promise<CliCommand[]>;

const arkletGroup: CommandGroup = async () => (await import('./commands/arklet.js')).arkletCommands;

/**
 * Every sub-command's name, in help order, with the module that defines it. A module is imported only when
 * one of its commands runs (or for `--help`), so `nodeark start` does not load the Arklet client commands,
 * the packer or the rollout renderer (docs/benchmarks.md § 13). `rollout` does not load `@nodeark/rollout`
 * (an optional peer dependency) until it runs either.
 */
const COMMAND_GROUPS: ReadonlyArray<readonly [string, CommandGroup]> = [
  ['start', async () => [(await import('./commands/start.js')).startCommand]],
  ['pack', async () => [(await import('./commands/pack.js')).packCommand]],
  ...['install', 'uninstall', 'switch', 'list', 'health', 'ops', 'batch'].map((n) => [n, arkletGroup] as const),
  ['rollout', async () => (await import('./commands/rollout.js')).rolloutCommands],
];

/** The names of every sub-command, in help order. */
export const commandNames: readonly string[] = COMMAND_GROUPS.map(([name]) => name);

/** The command called `name` (its module loaded now), or undefined for an unknown name. */
async function loadCommand(name: string): Promise<CliCommand | undefined> {
  const group = COMMAND_GROUPS.find(([n]) => n === name)?.[1];
  return (await group?.())?.find((c) => c.name === name);
}

/** Every sub-command, in help order (loads every command module). */
export async function loadCommands(): Promise<CliCommand[]> {
  return Promise.all(commandNames.map(async (n) => (await loadCommand(n))!));
}

async function help(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: nodeark <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `nodeark <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** Runs the CLI; resolves with the exit code. */
export async function main(
  argv: string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await help());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    const near = name.startsWith('-') ? undefined : suggestOption(`--${name}`, [...commandNames])?.slice(2);
    io.stderr.write(`nodeark: unknown command "${name}"${near ? `; did you mean "${near}"?` : ''}\n\n${await help()}`);
    return 1;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return 0;
  }
  return command.run(rest, io);
}
