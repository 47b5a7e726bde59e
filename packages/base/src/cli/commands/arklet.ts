/**
 * The Arklet client commands of the `nodeark` CLI: `install`, `uninstall`, `switch`, `list`, `health`,
 * `ops`, `batch`. Each drives a running base over the Arklet HTTP API (`--arklet`, default
 * `$NODEARK_ARKLET` or `http://127.0.0.1:1238`) through `@nodeark/client`, prints a short human summary
 * (or the raw envelope with `--json`) and exits non-zero unless the command answered SUCCESS.
 */
import semver from 'semver';
import type { ArkletClient, ArkletResponse, ClientResponse } from '@nodeark/client';
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
       nodeark switch <bizName> --latest [options]

Makes an installed version the activated one (Arklet switchBiz): requests to its context path go to
it from now on; the previously activated version becomes deactivated (still installed).

Options:
  --latest             the highest installed version of <bizName> by semver precedence (1.10.0 after
                       1.9.0; a prerelease such as 1.10.0-rc.1 before its release); versions that are not
                       semver are left out

${COMMON_OPTIONS_HELP}
`;

/**
 * The highest of `versions` by semver precedence (`1.10.0` > `1.9.0`; `1.10.0-rc.1` < `1.10.0`), ignoring
 * those that are not valid semver; undefined when none is.
 */
export function latestVersion(versions: readonly string[]): string | undefined {
  const valid = versions.filter((v) => semver.valid(v) !== null);
  return valid.length === 0 ? undefined : semver.rsort([...valid])[0];
}

/** The version `switch --latest` activates: the highest installed version of `bizName`. */
async function resolveLatest(client: ArkletClient, bizName: string): Promise<string> {
  const res = await client.queryAllBiz();
  if (res.code !== 'SUCCESS') throw new CommandFailure(res);
  const versions = [...new Set((res.data ?? []).filter((b) => b.bizName === bizName).map((b) => b.bizVersion))];
  if (versions.length === 0) throw new Error(`no version of ${bizName} is installed`);
  const latest = latestVersion(versions);
  if (latest === undefined) {
    throw new Error(`--latest needs semver versions, and no installed version of ${bizName} is one (${versions.join(', ')}); name the version: nodeark switch ${bizName} <bizVersion>`);
  }
  return latest;
}

/** A non-SUCCESS answer to a preliminary query: reported like the command's own failure. */
class CommandFailure extends Error {
  constructor(readonly response: ArkletResponse) {
    super(response.message ?? response.code);
  }
}

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
        const args = parseCommandArgs(argv, kind === 'switch' ? { flags: ['latest'] } : {});
        const latest = args.options['latest'] === true;
        if (latest && args.positionals.length !== 1) {
          throw new UsageError(args.positionals.length === 0 ? 'missing <bizName>' : 'give <bizVersion> or --latest, not both');
        }
        if (!latest && args.positionals.length !== 2) throw new UsageError('expected <bizName> <bizVersion>');
        const client = clientOf(args);
        const bizName = args.positionals[0] as string;
        let bizVersion: string;
        try {
          bizVersion = latest ? await resolveLatest(client, bizName) : (args.positionals[1] as string);
        } catch (err) {
          if (err instanceof CommandFailure) {
            if (args.json) writeJson(io, err.response);
            return reportFailure(io, kind, err.response);
          }
          throw err;
        }
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
