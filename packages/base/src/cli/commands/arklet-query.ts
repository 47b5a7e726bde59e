/**
 * `nodeark list`, `nodeark health` and `nodeark ops`: queryAllBiz, health and queryBizOps over the Arklet
 * API (docs/arklet-api.md).
 */
import type { BizHealthMeta, HealthData, HealthRequest, ProcessRecord } from '@nodeark/client';
import type { CliCommand, CliIO } from '../command.js';
import {
  COMMON_OPTIONS_HELP,
  EXIT_OK,
  isoTime,
  optionString,
  parseCommandArgs,
  reportFailure,
  runArkletCommand,
  table,
  UsageError,
  writeJson,
} from './arklet-support.js';

const LIST_USAGE = `Usage: nodeark list [options]

Lists the modules installed in the base (Arklet queryAllBiz), by priority: name, version, state,
context path and the time of the last state change.

${COMMON_OPTIONS_HELP}
`;

/** The `list` command. */
export const listCommand: CliCommand = {
  name: 'list',
  summary: 'List the modules installed in a running base (Arklet queryAllBiz)',
  usage: LIST_USAGE,
  run(argv, io) {
    return runArkletCommand(io, 'list', LIST_USAGE, async (clientOf) => {
      const args = parseCommandArgs(argv);
      if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
      const res = await clientOf(args).queryAllBiz();
      if (args.json) writeJson(io, res);
      if (res.code !== 'SUCCESS') return reportFailure(io, 'list', res);
      if (args.json) return EXIT_OK;
      const bizs = res.data ?? [];
      if (bizs.length === 0) {
        io.stdout.write('no modules installed\n');
        return EXIT_OK;
      }
      const rows = bizs.map((b) => {
        const last = b.bizStateRecords.reduce((m, r) => Math.max(m, r.changeTime), 0);
        return [b.bizName, b.bizVersion, b.bizState, `/${b.webContextPath}`, isoTime(last)];
      });
      io.stdout.write(table(['NAME', 'VERSION', 'STATE', 'PATH', 'SINCE'], rows));
      return EXIT_OK;
    });
  },
};

const HEALTH_USAGE = `Usage: nodeark health [options]

Shows the health of the base (Arklet health): the base (master biz), the modules, CPU and memory.

Options:
  --type <t>               system | biz | plugin (default: everything)
  --name <bizName>         with --type biz: only this module (all its versions)
  --version <bizVersion>   with --name: only this version
  --metric <id>            with --type system or no type: only this indicator (repeatable: cpu, jvm, custom ids)

${COMMON_OPTIONS_HELP}
`;

/** The `health` command. */
export const healthCommand: CliCommand = {
  name: 'health',
  summary: 'Show the health of a running base (Arklet health)',
  usage: HEALTH_USAGE,
  run(argv, io) {
    return runArkletCommand(io, 'health', HEALTH_USAGE, async (clientOf) => {
      const args = parseCommandArgs(argv, { valued: ['type', 'name', 'version'], repeatable: ['metric'] });
      if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
      const req: HealthRequest = {};
      const type = optionString(args, 'type');
      if (type !== undefined) {
        if (type !== 'system' && type !== 'biz' && type !== 'plugin') throw new UsageError(`--type must be system, biz or plugin, got ${type}`);
        req.type = type;
      }
      const name = optionString(args, 'name');
      const version = optionString(args, 'version');
      if (version !== undefined && name === undefined) throw new UsageError('--version needs --name');
      if (name !== undefined) req.bizName = name;
      if (version !== undefined) req.bizVersion = version;
      if (args.repeated['metric']) req.metrics = args.repeated['metric'];
      const res = await clientOf(args).health(req);
      if (args.json) writeJson(io, res);
      if (res.code !== 'SUCCESS') return reportFailure(io, 'health', res);
      if (!args.json) writeHealth(io, (res.data as HealthData).healthData);
      return EXIT_OK;
    });
  },
};

const OPS_USAGE = `Usage: nodeark ops <requestId> [options]

Shows the record of an async operation (Arklet queryBizOps): status (INITIALIZED, EXECUTING,
SUCCEEDED, FAILED), message, times and the original request. Exits 1 when the operation FAILED
or is unknown.

${COMMON_OPTIONS_HELP}
`;

/** The `ops` command. */
export const opsCommand: CliCommand = {
  name: 'ops',
  summary: 'Show the status of an async operation (Arklet queryBizOps)',
  usage: OPS_USAGE,
  run(argv, io) {
    return runArkletCommand(io, 'ops', OPS_USAGE, async (clientOf) => {
      const args = parseCommandArgs(argv);
      if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing <requestId>' : 'expected exactly one <requestId>');
      const res = await clientOf(args).queryBizOps({ requestId: args.positionals[0] as string });
      if (args.json) writeJson(io, res);
      if (res.code !== 'SUCCESS') return reportFailure(io, 'ops', res);
      const record = res.data as ProcessRecord;
      if (!args.json) writeRecord(io, record);
      if (record.status === 'FAILED') {
        io.stderr.write(`nodeark ops: operation ${record.requestId} FAILED: ${record.message ?? '(no message)'}\n`);
        return 1;
      }
      return EXIT_OK;
    });
  },
};

function writeRecord(io: CliIO, r: ProcessRecord): void {
  const meta = r.arkBizMeta;
  const what = typeof meta['bizName'] === 'string' ? `${String(meta['bizName'])}:${String(meta['bizVersion'])}` : '-';
  const rows: [string, string][] = [
    ['request', r.requestId],
    ['status', r.status],
    ['module', what],
    ['started', isoTime(r.startTimestamp)],
    ['finished', r.endTimestamp ? `${isoTime(r.endTimestamp)} (${r.elapsedTime} ms)` : '-'],
  ];
  if (r.message !== undefined) rows.push(['message', r.message]);
  if (r.throwable) rows.push(['error', `${r.throwable.code ?? r.throwable.name}: ${r.throwable.message}`]);
  for (const [k, v] of rows) io.stdout.write(`${k.padEnd(9)} ${v}\n`);
}

const MiB = 1024 * 1024;

function writeHealth(io: CliIO, h: HealthData['healthData']): void {
  const master = h.masterBizInfo;
  if (master) io.stdout.write(`base      ${master.bizName}:${master.bizVersion} (${master.bizState})\n`);
  const cpu = h.cpu;
  if (cpu) {
    const pct = (k: string): string => `${Number(cpu[k] ?? 0).toFixed(1)}%`;
    io.stdout.write(`cpu       ${String(cpu['count'])} x ${String(cpu['type'])}; user ${pct('user used (%)')}, system ${pct('system used (%)')}, free ${pct('free (%)')}\n`);
  }
  const jvm = h.jvm;
  if (jvm) {
    const mib = (k: string): string => `${Number(jvm[k] ?? 0).toFixed(1)}`;
    const bytes = (k: string): string => `${(Number(jvm[k] ?? 0) / MiB).toFixed(0)} MiB`;
    io.stdout.write(
      `memory    heap ${mib('used heap memory(M)')}/${mib('max heap memory(M)')} MiB, rss ${bytes('java committed metaspace')}, capacity ${bytes('java max metaspace')}\n`,
    );
    io.stdout.write(`runtime   ${String(jvm['java version'])}, up ${Number(jvm['run time(s)'] ?? 0).toFixed(0)} s\n`);
  }
  for (const [k, v] of Object.entries(h)) {
    if (['masterBizInfo', 'cpu', 'jvm', 'bizInfo', 'bizListInfo', 'pluginListInfo', 'pluginInfo'].includes(k)) continue;
    io.stdout.write(`${k.padEnd(9)} ${JSON.stringify(v)}\n`);
  }
  const bizs: BizHealthMeta[] = h.bizInfo ? [h.bizInfo] : (h.bizListInfo ?? []);
  if (bizs.length > 0) {
    io.stdout.write('\n');
    io.stdout.write(table(['NAME', 'VERSION', 'STATE', 'PATH'], bizs.map((b) => [b.bizName, b.bizVersion, b.bizState, b.webContextPath.startsWith('/') ? b.webContextPath : `/${b.webContextPath}`])));
  }
  if (h.pluginListInfo !== undefined && !master && bizs.length === 0) io.stdout.write(`plugins   ${h.pluginListInfo.length}\n`);
}
