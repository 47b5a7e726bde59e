/**
 * `nodeark rollout plan|apply|status|confirm|scale|rollback|delete`: ModuleDeployment rollouts across a
 * fleet of bases over the Arklet API, without Kubernetes (`@nodeark/rollout`, `docs/rollouts.md`).
 *
 * Exit codes: 0 completed (or nothing to do); 1 blocked, failed, or a base/Arklet error; 2 usage error or
 * an invalid document; 3 paused, waiting for `nodeark rollout confirm`; 4 (`status` only) not converged,
 * `apply` would change something; 130 interrupted.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
// Types only: `@nodeark/rollout` is an optional peer dependency, imported when a rollout command runs.
import type { ModuleDeployment, ReleaseKind, RolloutOptions, RolloutResult } from '@nodeark/rollout';
import type { CliCommand, CliIO } from '../command.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, optionString, parseCommandArgs, UsageError, type ArkletArgs } from './arklet-support.js';
import { jsonEvent, ProgressView, renderSimulation, renderStatus } from './rollout-render.js';

/** The `@nodeark/rollout` module. */
type RolloutModule = typeof import('@nodeark/rollout');

/** The package `nodeark rollout` needs; named in the message when it is missing. */
export const ROLLOUT_PACKAGE = '@nodeark/rollout';

/** Thrown by {@link loadRollout} when the package is not installed. */
export class RolloutPackageMissing extends Error {
  constructor() {
    super(`this command needs the ${ROLLOUT_PACKAGE} package: npm install ${ROLLOUT_PACKAGE}`);
  }
}

/**
 * Imports `@nodeark/rollout`. Only "the package itself cannot be found" becomes {@link RolloutPackageMissing}:
 * a missing dependency of an installed package names another package and is rethrown as it is.
 */
export async function loadRollout(importer: () => Promise<RolloutModule> = () => import('@nodeark/rollout')): Promise<RolloutModule> {
  try {
    return await importer();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`'${ROLLOUT_PACKAGE}'`)) throw new RolloutPackageMissing();
    throw err;
  }
}

/** Exit code of a rollout paused for a confirmation. */
export const EXIT_PAUSED = 3;
/** Exit code of `status` when the fleet does not match the ModuleDeployment yet. */
export const EXIT_PENDING = 4;
/** Exit code of an interrupted rollout (SIGINT). */
export const EXIT_INTERRUPTED = 130;

const SUBCOMMANDS = ['plan', 'apply', 'status', 'confirm', 'scale', 'rollback', 'delete'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

const USAGE = `Usage: nodeark rollout <plan|apply|status|confirm|scale|rollback|delete> -f <md.yaml> [--fleet <fleet.yaml>] [options]

Runs a ModuleDeployment (the Koupleless v1 document: module name/version/url, replicas, batchCount,
useBeta, needConfirm, grayTimeBetweenBatchSeconds, upgradePolicy, scatter/stacking, max-module-count,
peer replicas -1) across the bases named in a fleet file, over the Arklet API. What is installed where is
read from the bases every time; confirmations and the revision history are kept in <md file>.rollout.json.
See docs/rollouts.md.

Sub-commands:
  plan      print the batches and the operation on each base; change nothing (exit 1 if it would block)
  apply     run or continue the rollout until it completes (0), pauses for a confirmation (3) or blocks (1)
  status    show each base and where the release stands (0 completed, 3 paused, 1 blocked, 4 pending)
  confirm   confirm the batch the rollout is paused after, then continue like apply
  scale     --replicas <n>: write spec.replicas into the md file, then apply
  rollback  write the previous completed version (or --to-version) into the md file, then apply
  delete    take the module (every version) off the fleet, in the md's batches, then complete

Options:
  -f, --file <path>           the ModuleDeployment, YAML or JSON (required; also --filename)
  --fleet <path>              the fleet file (default: $NODEARK_FLEET, else fleet.yaml next to the md file)
  --state <path>              the rollout state file (default: <md file>.rollout.json)
  -y, --yes                   confirm every pause automatically (gray times are still waited for)
  --ignore-unreachable        treat bases that do not answer as absent (default: block with their names)
  --wait-blocked <seconds>    keep retrying a rollout blocked by capacity or an unreachable base this long
  --retries <n>               retries of a failed operation on a base before blocking (default 0)
  --batch <k>                 confirm: the batch being confirmed (must be the one the rollout paused after)
  --no-continue               confirm: record the confirmation only
  --replicas <n>              scale: the new replica count (-1: one on every base)
  --to-version <v>            rollback: the version to go back to (default: the latest completed lower version)
  --url <bizUrl>              rollback: its bizUrl, when the history does not have it
  --dry-run                   scale, rollback, delete: print the plan, change nothing
  --timeout <ms>              bound on each Arklet call (default 120000)
  --activation-timeout <s>    bound on waiting for a module to become activated (default 120)
  --json                      one JSON document on stdout (apply and friends: {"result":…,"events":[…]},
                              each event also a JSON line on stderr as it happens)
  -h, --help                  show this help

Exit codes: 0 completed, 1 blocked or failed (also: @nodeark/rollout not installed), 2 usage or
invalid document, 3 paused for confirmation, 4 (status) not converged, 130 interrupted (run apply again to
continue).

Needs the @nodeark/rollout package (an optional peer dependency of nodeark): npm install @nodeark/rollout
`;

interface Context {
  rollout: RolloutModule;
  io: CliIO;
  sub: Sub;
  args: ArkletArgs;
  mdPath: string;
  fleetPath: string;
  statePath: string;
  json: boolean;
  /** The arguments to repeat in hints (`-f md.yaml --fleet fleet.yaml`). */
  hint: string;
  /** With --json: every event, for the final document. */
  events: Record<string, unknown>[];
}

/** `--filename` is kubectl's spelling of `-f`; parsed as `--file`. */
function normaliseArgv(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((a, i) => (end >= 0 && i >= end ? a : a === '--filename' ? '--file' : a.startsWith('--filename=') ? `--file=${a.slice('--filename='.length)}` : a));
}

function number(args: ArkletArgs, key: string, opts: { integer?: boolean; min: number }): number | undefined {
  const raw = optionString(args, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < opts.min || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${key} must be ${opts.integer ? 'an integer' : 'a number'} ≥ ${opts.min}, got ${raw}`);
  }
  return n;
}

function quote(p: string): string {
  return /^[\w./:@=-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

function context(argv: string[], io: CliIO, rollout: RolloutModule): Context {
  const [subRaw, ...rest] = argv;
  if (subRaw === undefined) throw new UsageError('missing sub-command');
  if (!SUBCOMMANDS.includes(subRaw as Sub)) throw new UsageError(`unknown sub-command "${subRaw}"`);
  const sub = subRaw as Sub;
  const args = parseCommandArgs(normaliseArgv(rest), {
    valued: ['file', 'fleet', 'state', 'wait-blocked', 'retries', 'batch', 'replicas', 'to-version', 'url', 'activation-timeout'],
    flags: ['yes', 'ignore-unreachable', 'no-continue', 'dry-run'],
    short: { f: 'file', y: 'yes' },
  });
  if (optionString(args, 'arklet') !== undefined) throw new UsageError('--arklet is not a rollout option: the bases are named in the fleet file');
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const only: Record<string, Sub[]> = {
    batch: ['confirm'],
    'no-continue': ['confirm'],
    replicas: ['scale'],
    'to-version': ['rollback'],
    url: ['rollback'],
    'dry-run': ['scale', 'rollback', 'delete'],
  };
  for (const [key, subs] of Object.entries(only)) {
    if (args.options[key] !== undefined && !subs.includes(sub)) throw new UsageError(`--${key} applies to ${subs.join('/')} only`);
  }
  const file = optionString(args, 'file');
  if (file === undefined) throw new UsageError('-f <md.yaml> is required');
  const mdPath = resolve(file);
  const fleetOpt = optionString(args, 'fleet') ?? (process.env['NODEARK_FLEET'] || undefined);
  let fleetPath: string;
  if (fleetOpt !== undefined) fleetPath = resolve(fleetOpt);
  else {
    const near = ['fleet.yaml', 'fleet.yml', 'fleet.json'].map((n) => join(dirname(mdPath), n)).find((p) => existsSync(p));
    if (!near) throw new UsageError('--fleet <fleet.yaml> is required (no $NODEARK_FLEET and no fleet.yaml next to the md file)');
    fleetPath = near;
  }
  const stateOpt = optionString(args, 'state');
  const statePath = stateOpt !== undefined ? resolve(stateOpt) : rollout.defaultStatePath(mdPath);
  const hintParts = [`-f ${quote(file)}`];
  if (optionString(args, 'fleet') !== undefined) hintParts.push(`--fleet ${quote(optionString(args, 'fleet')!)}`);
  if (stateOpt !== undefined) hintParts.push(`--state ${quote(stateOpt)}`);
  return { rollout, io, sub, args, mdPath, fleetPath, statePath, json: args.json, hint: hintParts.join(' '), events: [] };
}

function baseOptions(ctx: Context, md: ModuleDeployment) {
  return {
    md,
    fleet: () => ctx.rollout.loadFleet(ctx.fleetPath),
    state: new ctx.rollout.FileStateStore(ctx.statePath),
    ...(ctx.args.options['ignore-unreachable'] === true ? { ignoreUnreachable: true } : {}),
  };
}

function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runs apply/confirm/scale/rollback/delete with the progress view; returns the exit code. */
async function execute(ctx: Context, md: ModuleDeployment, kind: ReleaseKind): Promise<number> {
  const { io, args } = ctx;
  const timeout = number(args, 'timeout', { min: 1 });
  const activation = number(args, 'activation-timeout', { min: 0.001 });
  const waitBlocked = number(args, 'wait-blocked', { min: 0 });
  const retries = number(args, 'retries', { integer: true, min: 0 });
  const view = new ProgressView(io, ctx.json, md, (e) => ctx.events.push(e));
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  let result: RolloutResult;
  try {
    const options: RolloutOptions = {
      ...baseOptions(ctx, md),
      kind,
      onEvent: view.onEvent,
      signal: ac.signal,
      ...(args.options['yes'] === true ? { autoConfirm: true } : {}),
      ...(timeout !== undefined ? { callTimeoutMs: timeout } : {}),
      ...(activation !== undefined ? { activationTimeoutMs: activation * 1000 } : {}),
      ...(waitBlocked !== undefined ? { waitBlockedMs: waitBlocked * 1000 } : {}),
      ...(retries !== undefined ? { retries } : {}),
    };
    result = await ctx.rollout.runRollout(options);
  } finally {
    process.removeListener('SIGINT', onSigint);
    view.close();
  }
  if (ctx.json) {
    const { phase, pausedAfter, blocked, batchesRun, plan } = result;
    writeJson(io, { result: { phase, pausedAfter, blocked, batchesRun, plan }, events: ctx.events });
  }
  const p = result.plan;
  switch (result.phase) {
    case 'Completed':
      if (!ctx.json) {
        const holders = p.bases.filter((b) => b.status === 'updated').map((b) => b.name);
        io.stdout.write(
          kind === 'delete'
            ? `completed: ${md.module.name} removed from the fleet\n`
            : `completed: ${md.module.name}:${md.module.version} on ${holders.length}/${p.target} bases${holders.length > 0 ? ` (${holders.join(', ')})` : ''}\n`,
        );
      }
      return EXIT_OK;
    case 'Paused':
      if (!ctx.json) {
        io.stdout.write(
          `paused after batch ${result.pausedAfter}/${p.batches.length}: check it, then run \`nodeark rollout confirm ${ctx.hint}\`\n`,
        );
      }
      return EXIT_PAUSED;
    case 'Blocked':
      io.stderr.write(`nodeark rollout ${ctx.sub}: blocked (${result.blocked?.reason}): ${result.blocked?.message}\n`);
      return EXIT_FAILED;
    case 'Aborted':
      io.stderr.write(`nodeark rollout ${ctx.sub}: interrupted; run \`nodeark rollout apply ${ctx.hint}\` to continue (nothing is installed twice)\n`);
      return EXIT_INTERRUPTED;
  }
}

async function preview(ctx: Context, md: ModuleDeployment, kind: ReleaseKind): Promise<number> {
  const sim = await ctx.rollout.previewRollout({ ...baseOptions(ctx, md), kind });
  if (ctx.json) {
    writeJson(ctx.io, { outcome: sim.outcome, blocked: sim.blocked, plan: sim.plan, batches: sim.batches });
  } else {
    ctx.io.stdout.write(renderSimulation(sim, md));
  }
  return sim.outcome === 'Completed' ? EXIT_OK : EXIT_FAILED;
}

async function run(ctx: Context): Promise<number> {
  const { io, args } = ctx;
  const { loadModuleDeployment, editModuleDeploymentFile } = ctx.rollout;
  switch (ctx.sub) {
    case 'plan':
      return preview(ctx, await loadModuleDeployment(ctx.mdPath), 'apply');
    case 'apply':
      return execute(ctx, await loadModuleDeployment(ctx.mdPath), 'apply');
    case 'delete': {
      const md = await loadModuleDeployment(ctx.mdPath);
      return args.options['dry-run'] === true ? preview(ctx, md, 'delete') : execute(ctx, md, 'delete');
    }
    case 'status': {
      const md = await loadModuleDeployment(ctx.mdPath);
      const { plan } = await ctx.rollout.rolloutStatus(baseOptions(ctx, md));
      if (ctx.json) writeJson(io, plan);
      else io.stdout.write(renderStatus(plan, md));
      if (plan.phase === 'Completed') return EXIT_OK;
      if (plan.phase === 'WaitingForConfirmation') return EXIT_PAUSED;
      if (plan.phase === 'Blocked') return EXIT_FAILED;
      return EXIT_PENDING;
    }
    case 'confirm': {
      const md = await loadModuleDeployment(ctx.mdPath);
      const batch = number(args, 'batch', { integer: true, min: 1 });
      const confirmed = await ctx.rollout.confirmRollout({
        ...baseOptions(ctx, md),
        ...(batch !== undefined ? { batch } : {}),
      });
      if (ctx.json) {
        const event = jsonEvent({ type: 'confirmed', batch: confirmed.batch, auto: false });
        // Alone, the event is the document; when the rollout continues it opens the document's events.
        if (args.options['no-continue'] === true) writeJson(io, event);
        else {
          io.stderr.write(`${JSON.stringify(event)}\n`);
          ctx.events.push(event);
        }
      } else io.stdout.write(`batch ${confirmed.batch} confirmed\n`);
      if (args.options['no-continue'] === true) return EXIT_OK;
      return execute(ctx, md, confirmed.kind);
    }
    case 'scale': {
      const replicas = number(args, 'replicas', { integer: true, min: -1 });
      if (replicas === undefined) throw new UsageError('scale needs --replicas <n>');
      const md = await loadModuleDeployment(ctx.mdPath);
      if (args.options['dry-run'] === true) return preview(ctx, { ...md, replicas }, 'apply');
      const changes = await editModuleDeploymentFile(ctx.mdPath, { replicas });
      if (!ctx.json) io.stdout.write(changes.length > 0 ? `${ctx.mdPath}: ${changes.join('; ')}\n` : `${ctx.mdPath}: spec.replicas is already ${replicas}\n`);
      return execute(ctx, await loadModuleDeployment(ctx.mdPath), 'apply');
    }
    case 'rollback': {
      const md = await loadModuleDeployment(ctx.mdPath);
      const state = await new ctx.rollout.FileStateStore(ctx.statePath).load();
      const toVersion = optionString(args, 'to-version');
      const history = [...(state?.history ?? [])].reverse();
      // Without --to-version, a rollback goes to a lower completed version (semver), never a newer one.
      const entry =
        toVersion !== undefined
          ? history.find((h) => h.version === toVersion)
          : ctx.rollout.rollbackTarget(state?.history ?? [], md.module.version);
      const version = toVersion ?? entry?.version;
      const urlOpt = optionString(args, 'url');
      if (version === undefined) {
        throw new ctx.rollout.ERR_ROLLOUT_NO_ROLLBACK_TARGET(
          md.module.name,
          `no completed version below ${md.module.version} in ${ctx.statePath}; pass --to-version <v> --url <bizUrl>`,
        );
      }
      const url = urlOpt ?? entry?.url;
      if (url === undefined) {
        throw new ctx.rollout.ERR_ROLLOUT_NO_ROLLBACK_TARGET(`${md.module.name} to ${version}`, 'its bizUrl is not in the history; pass --url <bizUrl>');
      }
      if (version === md.module.version && url === md.module.url) {
        if (!ctx.json) io.stdout.write(`${ctx.mdPath} already names ${md.module.name}:${version}; applying it\n`);
      }
      if (args.options['dry-run'] === true) return preview(ctx, { ...md, module: { ...md.module, version, url } }, 'apply');
      const changes = await editModuleDeploymentFile(ctx.mdPath, { version, url });
      if (!ctx.json && changes.length > 0) io.stdout.write(`${ctx.mdPath}: ${changes.join('; ')}\n`);
      return execute(ctx, await loadModuleDeployment(ctx.mdPath), 'apply');
    }
  }
}

/** The `rollout` command. */
export const rolloutCommand: CliCommand = {
  name: 'rollout',
  summary: 'Roll a ModuleDeployment out across a fleet of bases (plan, apply, status, confirm, scale, rollback, delete)',
  usage: USAGE,
  async run(argv, io) {
    let rollout: RolloutModule;
    try {
      rollout = await loadRollout();
    } catch (err) {
      if (!(err instanceof RolloutPackageMissing)) throw err;
      io.stderr.write(`nodeark rollout: ${err.message}\n`);
      return EXIT_FAILED;
    }
    let ctx: Context;
    try {
      ctx = context(argv, io, rollout);
    } catch (err) {
      if (err instanceof UsageError) {
        io.stderr.write(`nodeark rollout: ${err.message}\n\n${USAGE}`);
        return EXIT_USAGE;
      }
      throw err;
    }
    try {
      return await run(ctx);
    } catch (err) {
      if (err instanceof UsageError) {
        io.stderr.write(`nodeark rollout ${ctx.sub}: ${err.message}\n\n${USAGE}`);
        return EXIT_USAGE;
      }
      const e = err as { code?: unknown; message?: unknown };
      const code = typeof e?.code === 'string' ? e.code : undefined;
      io.stderr.write(`nodeark rollout ${ctx.sub}: ${String(e?.message ?? err)}${code ? ` [${code}]` : ''}\n`);
      const invalid = [
        rollout.ERR_ROLLOUT_INVALID_DEPLOYMENT,
        rollout.ERR_ROLLOUT_INVALID_FLEET,
        rollout.ERR_ROLLOUT_FLEET_MISMATCH,
        rollout.ERR_ROLLOUT_READ,
      ].some((e) => e.code === code);
      return invalid ? EXIT_USAGE : EXIT_FAILED;
    }
  },
};

/** Rollout sub-commands. */
export const rolloutCommands: CliCommand[] = [rolloutCommand];
