/**
 * `nodeark` CLI dispatcher: `nodeark <command> [args]`, `nodeark --help`, `nodeark <command> --help`.
 */
import type { CliCommand, CliIO } from './command.js';
import { wantsHelp } from './parse-options.js';
import { suggestOption } from '../suggest.js';
import { startCommand } from './commands/start.js';
import { packCommand } from './commands/pack.js';
import { arkletCommands } from './commands/arklet.js';
import { rolloutCommands } from './commands/rollout.js';

export { exitQuietlyOnClosedPipe } from './closed-pipe.js';

/**
 * Every sub-command, in help order. `rollout` is listed without loading `@nodeark/rollout` (an optional
 * peer dependency): the command imports it when it runs.
 */
export const commands: CliCommand[] = [startCommand, packCommand, ...arkletCommands, ...rolloutCommands];

function help(): string {
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
    io.stdout.write(help());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const near = name.startsWith('-') ? undefined : suggestOption(`--${name}`, commands.map((c) => c.name))?.slice(2);
    io.stderr.write(`nodeark: unknown command "${name}"${near ? `; did you mean "${near}"?` : ''}\n\n${help()}`);
    return 1;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return 0;
  }
  return command.run(rest, io);
}
