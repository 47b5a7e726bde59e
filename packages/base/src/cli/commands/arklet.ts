/**
 * The Arklet client commands of the `nodeark` CLI: `install`, `uninstall`, `switch`, `list`, `health`,
 * `ops`, `batch`. Each drives a running base over the Arklet HTTP API (`--arklet`, default
 * `$NODEARK_ARKLET` or `http://127.0.0.1:1238`) through `@nodeark/client`, prints a short human summary
 * (or the raw envelope with `--json`) and exits non-zero unless the command answered SUCCESS.
 */
import type { ClientResponse } from '@nodeark/client';
import type { CliCommand } from '../command.js';
import { batchCommand, installCommand } from './arklet-install.js';
import { healthCommand, listCommand, opsCommand } from './arklet-query.js';
import {
  COMMON_OPTIONS_HELP,
  EXIT_OK,
  parseCommandArgs,
  reportFailure,
  runArkletCommand,
  UsageError,
  writeJson,
} from './arklet-support.js';

const UNINSTALL_USAGE = `Usage: nodeark uninstall <bizName> <bizVersion> [options]

Uninstalls one module version (Arklet uninstallBiz): stops routing to it, lets in-flight requests
finish, calls its stop() and removes its files. A version that is not installed is reported and
exits 0 (nothing to do).

${COMMON_OPTIONS_HELP}
`;

const SWITCH_USAGE = `Usage: nodeark switch <bizName> <bizVersion> [options]

Makes an installed version the activated one (Arklet switchBiz): requests to its context path go to
it from now on; the previously activated version becomes deactivated (still installed).

${COMMON_OPTIONS_HELP}
`;

/** `uninstall` and `switch` share their shape. */
function identityCommand(kind: 'uninstall' | 'switch'): CliCommand {
  const usage = kind === 'uninstall' ? UNINSTALL_USAGE : SWITCH_USAGE;
  return {
    name: kind,
    summary:
      kind === 'uninstall'
        ? 'Uninstall a module version from a running base (Arklet uninstallBiz)'
        : 'Activate another installed version of a module (Arklet switchBiz)',
    usage,
    run(argv, io) {
      return runArkletCommand(io, kind, usage, async (clientOf) => {
        const args = parseCommandArgs(argv);
        if (args.positionals.length !== 2) throw new UsageError('expected <bizName> <bizVersion>');
        const [bizName, bizVersion] = args.positionals as [string, string];
        const client = clientOf(args);
        const res = kind === 'uninstall' ? await client.uninstallBiz({ bizName, bizVersion }) : await client.switchBiz({ bizName, bizVersion });
        if (args.json) writeJson(io, res);
        if (res.code !== 'SUCCESS') return reportFailure(io, kind, res);
        if (!args.json) {
          const data = res.data as ClientResponse;
          if (data.code === 'NOT_FOUND_BIZ') io.stdout.write(`${bizName}:${bizVersion} is not installed; nothing to do\n`);
          else io.stdout.write(`${data.message}\n`);
        }
        return EXIT_OK;
      });
    },
  };
}

/** The `uninstall` command. */
export const uninstallCommand: CliCommand = identityCommand('uninstall');
/** The `switch` command. */
export const switchCommand: CliCommand = identityCommand('switch');

/** Arklet-driving sub-commands, in help order. */
export const arkletCommands: CliCommand[] = [
  installCommand,
  uninstallCommand,
  switchCommand,
  listCommand,
  healthCommand,
  opsCommand,
  batchCommand,
];
