/**
 * `nodeark install` and `nodeark batch`: installBiz and batchInstallBiz over the Arklet API
 * (docs/arklet-api.md).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BatchInstallResponse, ClientResponse, InstallBizRequest, ProcessRecord } from '@nodeark/client';
import type { CliCommand, CliIO } from '../command.js';
import {
  COMMON_OPTIONS_HELP,
  EXIT_OK,
  optionString,
  parseCommandArgs,
  reportFailure,
  runArkletCommand,
  toBizUrl,
  UsageError,
  writeJson,
} from './arklet-support.js';

const INSTALL_USAGE = `Usage: nodeark install <bizUrl|path> [options]

Installs one module version (Arklet installBiz). <bizUrl> is a file:, http: or https: URL of a
module directory, .tgz or .zip/.jar; a local path is turned into a file: URL. Without --name and
--version the Arklet reads them from the bundle.

Options:
  --name <bizName>         the module name (with --version)
  --version <bizVersion>   the module version (with --name)
  --strategy <s>           installOnly (default) or uninstallThenInstall (replace every version of the name)
  --arg <value>            an entry of ctx.args (repeatable; the next word is taken as is: --arg --port=1)
  --env <KEY=VALUE>        an entry of ctx.env (repeatable)
  --async                  return at once; follow with \`nodeark ops <requestId>\`
  --request-id <id>        the async request id (default: generated)

${COMMON_OPTIONS_HELP}

Examples:
  nodeark install ./dist/biz1-1.0.0-ark-biz.tgz
  nodeark install https://repo.example.com/biz1-1.0.0-ark-biz.jar --name biz1 --version 1.0.0
  nodeark install file:///opt/biz1 --arg --verbose --env DB_URL=postgres://db/biz1 --async
`;

/** The `install` command. */
export const installCommand: CliCommand = {
  name: 'install',
  summary: 'Install a module version into a running base (Arklet installBiz)',
  usage: INSTALL_USAGE,
  run(argv, io) {
    return runArkletCommand(io, 'install', INSTALL_USAGE, async (clientOf) => {
      const args = parseCommandArgs(argv, {
        valued: ['name', 'version', 'strategy', 'request-id'],
        repeatable: ['arg', 'env'],
        flags: ['async'],
      });
      if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing <bizUrl>' : 'expected exactly one <bizUrl>');
      const req: InstallBizRequest = { bizUrl: toBizUrl(args.positionals[0] as string) };
      const name = optionString(args, 'name');
      const version = optionString(args, 'version');
      if ((name === undefined) !== (version === undefined)) throw new UsageError('give both --name and --version, or neither');
      if (name !== undefined && version !== undefined) {
        req.bizName = name;
        req.bizVersion = version;
      }
      const strategy = optionString(args, 'strategy');
      if (strategy !== undefined) {
        if (strategy !== 'installOnly' && strategy !== 'uninstallThenInstall') {
          throw new UsageError(`--strategy must be installOnly or uninstallThenInstall, got ${strategy}`);
        }
        req.installStrategy = strategy;
      }
      if (args.repeated['arg']) req.args = args.repeated['arg'];
      if (args.repeated['env']) req.envs = parseEnvs(args.repeated['env']);
      const requestId = optionString(args, 'request-id');
      if (args.options['async'] === true) {
        req.async = true;
        req.requestId = requestId ?? `cli-${randomUUID()}`;
      } else if (requestId !== undefined) {
        throw new UsageError('--request-id only applies with --async');
      }

      const res = await clientOf(args).installBiz(req);
      if (args.json) writeJson(io, res);
      if (res.code !== 'SUCCESS') return reportFailure(io, 'install', res);
      if (!args.json) {
        if (req.async) writeAsyncAccepted(io, res.data as unknown as ProcessRecord);
        else writeInstalled(io, res.data as ClientResponse);
      }
      return EXIT_OK;
    });
  },
};

const BATCH_USAGE = `Usage: nodeark batch <file.json> [options]

Installs several modules (Arklet batchInstallBiz): groups by the priority each bundle declares, lower
first, the modules of a group concurrently. <file.json> holds {"bizList":[{"bizUrl":…}, …]} or just the
array. Each item takes the installBiz fields (bizUrl, bizName, bizVersion, args, envs, installStrategy);
a bizUrl that is a relative path is resolved against the file's directory.

Options:
  --async                  return at once; follow with \`nodeark ops <requestId>\`
  --request-id <id>        the async request id (default: generated)

${COMMON_OPTIONS_HELP}

Example:
  echo '{"bizList":[{"bizUrl":"./biz1"},{"bizUrl":"./biz2-2.0.0-ark-biz.tgz"}]}' > modules.json
  nodeark batch modules.json
`;

/** The `batch` command. */
export const batchCommand: CliCommand = {
  name: 'batch',
  summary: 'Install the modules listed in a JSON file, by priority (Arklet batchInstallBiz)',
  usage: BATCH_USAGE,
  run(argv, io) {
    return runArkletCommand(io, 'batch', BATCH_USAGE, async (clientOf) => {
      const args = parseCommandArgs(argv, { valued: ['request-id'], flags: ['async'] });
      if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing <file.json>' : 'expected exactly one <file.json>');
      const file = resolve(args.positionals[0] as string);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
      }
      const list = Array.isArray(parsed) ? parsed : (parsed as { bizList?: unknown } | null)?.bizList;
      if (!Array.isArray(list)) throw new UsageError(`${file} must hold {"bizList":[…]} or an array of install requests`);
      const bizList = list.map((item, i) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new UsageError(`bizList[${i}] must be an object`);
        const it = { ...(item as Record<string, unknown>) };
        if (typeof it['bizUrl'] === 'string') it['bizUrl'] = toBizUrl(it['bizUrl'], dirname(file));
        return it as unknown as InstallBizRequest;
      });
      const requestId = optionString(args, 'request-id');
      const isAsync = args.options['async'] === true;
      if (!isAsync && requestId !== undefined) throw new UsageError('--request-id only applies with --async');
      const client = clientOf(args);
      const res = isAsync
        ? await client.batchInstallBiz({ bizList, async: true, requestId: requestId ?? `cli-${randomUUID()}` })
        : await client.batchInstallBiz({ bizList });
      if (args.json) writeJson(io, res);
      else if (isAsync && res.code === 'SUCCESS') writeAsyncAccepted(io, res.data as ProcessRecord);
      else if (!isAsync && res.data && typeof res.data === 'object' && 'bizUrlToResponse' in res.data) {
        writeBatch(io, res.data as BatchInstallResponse);
      }
      if (res.code !== 'SUCCESS') return reportFailure(io, 'batch', res);
      return EXIT_OK;
    });
  },
};

function parseEnvs(pairs: string[]): Record<string, string> {
  const envs: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env expects KEY=VALUE, got ${JSON.stringify(p)}`);
    envs[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return envs;
}

function writeInstalled(io: CliIO, data: ClientResponse): void {
  const biz = data.bizInfos?.[0];
  if (biz) io.stdout.write(`installed ${biz.identity} (${biz.bizState}) at /${biz.webContextPath}\n`);
  io.stdout.write(`${data.message}\n`);
}

function writeAsyncAccepted(io: CliIO, record: ProcessRecord): void {
  io.stdout.write(`accepted: request ${record.requestId} is ${record.status}\n`);
  io.stdout.write(`follow it with: nodeark ops ${record.requestId}\n`);
}

function writeBatch(io: CliIO, data: BatchInstallResponse): void {
  for (const [url, r] of Object.entries(data.bizUrlToResponse)) {
    const biz = r.bizInfos?.[0];
    const what = biz ? `${biz.identity} (${biz.bizState})` : r.message;
    io.stdout.write(`${r.code.padEnd(7)} ${url}  ${what}\n`);
  }
  io.stdout.write(`${data.message}\n`);
}
