/**
 * Text rendering of `nodeark rollout`: the plan (`plan`), the fleet and release state (`status`), and the
 * live progress view of `apply`/`confirm`/`scale`/`rollback`/`delete`. On a terminal the progress view is
 * a board redrawn in place (batches, and each base's current step); otherwise it is one line per event.
 * With `--json` each event is a JSON line on stderr as it happens, and is kept for the one document the
 * command prints on stdout at the end.
 */
import type { Action, BatchPlan, ModuleDeployment, RolloutEvent, RolloutPlan, Simulation } from '@nodeark/rollout';
import type { CliIO } from '../command.js';
import { table } from './arklet-support.js';

function pauseText(p: { confirm: boolean; graySeconds: number } | undefined): string {
  if (!p) return '';
  const parts: string[] = [];
  if (p.confirm) parts.push('confirm');
  if (p.graySeconds > 0) parts.push(`gray ${p.graySeconds} s`);
  return parts.join(' + ');
}

function batchLabel(b: BatchPlan, total: number): string {
  return `batch ${b.index}/${total}${b.beta ? ' [beta]' : ''}`;
}

function actionText(a: Action): string {
  return `${a.base}: ${a.summary}`;
}

/** The header lines shared by plan and status. */
export function describeDeployment(plan: RolloutPlan, md?: ModuleDeployment): string[] {
  const m = plan.module;
  const what = plan.kind === 'delete' ? `delete ${m.name} (every version)` : `${m.name}:${m.version} × ${plan.target}`;
  const lines = [`${plan.deployment}: ${what}`, `  url: ${m.url}`];
  if (md) {
    const o = md.operationStrategy;
    const parts = [
      `${plan.batches.length} ${plan.batches.length === 1 ? 'batch' : 'batches'} (batchCount ${o.batchCount})`,
      ...(o.useBeta ? ['beta'] : []),
      ...(o.needConfirm ? ['needConfirm'] : []),
      ...(o.grayTimeBetweenBatchSeconds > 0 ? [`gray ${o.grayTimeBetweenBatchSeconds} s`] : []),
      plan.upgradePolicy,
      plan.schedulingPolicy,
      ...(md.replicas === -1 ? ['peer (replicas -1)'] : []),
      ...(Object.keys(md.selector).length > 0 ? [`selector ${Object.entries(md.selector).map(([k, v]) => `${k}=${v}`).join(',')}`] : []),
    ];
    lines.push(`  strategy: ${parts.join(', ')}`);
  } else {
    lines.push(`  strategy: ${plan.upgradePolicy}, ${plan.schedulingPolicy}`);
  }
  return lines;
}

/** The table of bases. */
export function basesTable(plan: RolloutPlan): string {
  const rows = plan.bases.map((b) => [
    b.name,
    b.arkletUrl,
    b.status === 'unreachable' ? '-' : `${b.count}/${b.maxModuleCount ?? '∞'}`,
    b.versions.length === 0 ? '-' : b.versions.map((v) => `${v.version} ${v.state}`).join(', '),
    b.status === 'unreachable' ? `unreachable: ${b.error ?? ''}` : b.status,
  ]);
  return table(['BASE', 'ARKLET', 'MODULES', plan.module.name.toUpperCase(), 'STATUS'], rows);
}

/** Where the release stands, in one or two lines. */
export function phaseText(plan: RolloutPlan): string {
  const total = plan.batches.length;
  switch (plan.phase) {
    case 'Completed':
      return plan.kind === 'delete' ? `completed: ${plan.module.name} is on no base` : `completed: ${plan.updated}/${plan.target} bases run ${plan.module.name}:${plan.module.version}`;
    case 'Executing':
      return `in progress: batch ${plan.currentBatch}/${total} (target ${plan.batches[plan.currentBatch - 1]?.target}), ${plan.updated}/${plan.target} updated${plan.old > 0 ? `, ${plan.old} on other versions` : ''} — run apply`;
    case 'WaitingForConfirmation':
      return `paused after batch ${plan.pause?.afterBatch}/${total}: waiting for confirmation (nodeark rollout confirm)`;
    case 'GrayPause':
      return `gray time after batch ${plan.pause?.afterBatch}/${total}${plan.pause?.until ? ` until ${new Date(plan.pause.until).toISOString()}` : ''} — run apply`;
    case 'Blocked':
      return `BLOCKED (${plan.blocked?.reason}): ${plan.blocked?.message}`;
  }
}

/** `nodeark rollout plan`: every remaining batch with its operations. */
export function renderSimulation(sim: Simulation, md?: ModuleDeployment): string {
  const plan = sim.plan;
  const out: string[] = [...describeDeployment(plan, md)];
  out.push('', basesTable(plan).trimEnd(), '');
  if (!plan.newRelease && plan.phase !== 'Completed') out.push(`release in progress since ${new Date(plan.release.startedAt).toISOString()}: ${phaseText(plan)}`);
  if (sim.batches.length === 0) {
    out.push(plan.phase === 'Blocked' ? phaseText(plan) : 'nothing to do: the fleet already matches');
  }
  const total = plan.batches.length;
  for (const pb of sim.batches) {
    out.push(`${batchLabel(pb.batch, total)} → ${pb.batch.target} ${plan.kind === 'delete' ? 'left' : 'updated'}`);
    for (const a of pb.actions) out.push(`  ${actionText(a)}`);
    for (const a of pb.cleanup) out.push(`  then ${actionText(a)}`);
    if (pb.blocked) out.push(`  BLOCKED (${pb.blocked.reason}): ${pb.blocked.message}`);
    const pause = pauseText(pb.pause);
    if (pause && !pb.blocked) out.push(`  pause: ${pause}`);
  }
  out.push('', sim.outcome === 'Completed' ? 'outcome: completes' : `outcome: BLOCKED (${sim.blocked?.reason ?? 'unknown'})`);
  for (const w of plan.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

/** `nodeark rollout status`. */
export function renderStatus(plan: RolloutPlan, md?: ModuleDeployment): string {
  const out: string[] = [...describeDeployment(plan, md), '', basesTable(plan).trimEnd(), ''];
  if (plan.batches.length > 0) {
    const total = plan.batches.length;
    out.push(
      `batches: ${plan.batches
        .map((b) => `${b.index < plan.currentBatch ? '✔' : b.index === plan.currentBatch ? '▶' : '·'} ${b.index}/${total}${b.beta ? ' beta' : ''} → ${b.target}`)
        .join('   ')}`,
    );
  }
  out.push(phaseText(plan));
  if (plan.service) out.push(`service ${plan.service.name}: ${plan.service.endpoints.join(', ') || '(no endpoints)'}`);
  for (const w of plan.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

/** Consumes executor events and draws them. */
export class ProgressView {
  private readonly tty: boolean;
  private drawn = 0;
  private header: string[] = [];
  private batches: { label: string; state: string }[] = [];
  private readonly bases = new Map<string, string>();
  private footer = '';
  private ticker: NodeJS.Timeout | undefined;

  /**
   * @param json JSON mode: events go to stderr as JSON lines and to `record`; stdout is left to the caller.
   * @param record receives each event's JSON form in JSON mode.
   */
  constructor(
    private readonly io: CliIO,
    private readonly json: boolean,
    private readonly md?: ModuleDeployment,
    private readonly record: (event: Record<string, unknown>) => void = () => {},
  ) {
    this.tty = !json && (io.stdout as NodeJS.WriteStream).isTTY === true;
  }

  private write(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  private redraw(): void {
    if (!this.tty) return;
    const lines = [
      ...this.header,
      ...this.batches.map((b) => `  ${b.label}  ${b.state}`),
      ...[...this.bases.entries()].map(([name, s]) => `    ${name.padEnd(12)} ${s}`),
      ...(this.footer ? [this.footer] : []),
    ];
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A\x1b[J` : '';
    s += lines.map((l) => `${l}\n`).join('');
    this.io.stdout.write(s);
    this.drawn = lines.length;
  }

  /** Handles one event. */
  onEvent = (e: RolloutEvent): void => {
    if (this.json) {
      const event = jsonEvent(e);
      this.record(event);
      this.io.stderr.write(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (e.type) {
      case 'observed': {
        const p = e.plan;
        if (this.header.length === 0) {
          this.header = describeDeployment(p, this.md);
          this.batches = p.batches.map((b) => ({ label: batchLabel(b, p.batches.length), state: b.index < p.currentBatch ? 'done' : 'pending' }));
          if (!this.tty) for (const l of this.header) this.write(l);
        }
        break;
      }
      case 'batch-start': {
        const b = this.batches[e.batch - 1];
        if (b) b.state = 'running';
        this.bases.clear();
        for (const a of [...e.actions, ...e.cleanup]) this.bases.set(a.base, `queued     ${a.summary}`);
        if (!this.tty) {
          this.write(`batch ${e.batch}/${e.batches}${e.beta ? ' [beta]' : ''} → ${e.target}`);
          for (const a of e.actions) this.write(`  ${actionText(a)}`);
          for (const a of e.cleanup) this.write(`  then ${actionText(a)}`);
        }
        break;
      }
      case 'base':
        if (e.status === 'Prepare' && !e.message) break;
        this.bases.set(e.base, `${e.status.padEnd(11)}${e.message ?? ''}`);
        if (!this.tty) this.write(`  ${e.base}  ${e.status}${e.message ? `  ${e.message}` : ''}`);
        break;
      case 'batch-complete': {
        const b = this.batches[e.batch - 1];
        if (b) b.state = 'done';
        if (!this.tty) this.write(`batch ${e.batch}/${e.batches} complete`);
        break;
      }
      case 'confirmed':
        if (!this.tty) this.write(`batch ${e.batch} confirmed${e.auto ? ' (--yes)' : ''}`);
        break;
      case 'gray': {
        if (!this.tty) {
          this.write(`gray time after batch ${e.afterBatch}: ${Math.max(0, Math.ceil((e.until - Date.now()) / 1000))} s`);
        } else {
          const tick = (): void => {
            const left = Math.max(0, Math.ceil((e.until - Date.now()) / 1000));
            this.footer = `gray time after batch ${e.afterBatch}: ${left} s left`;
            this.redraw();
            if (left <= 0) this.stopTicker();
          };
          this.stopTicker();
          this.ticker = setInterval(tick, 500);
          this.ticker.unref();
          tick();
          return;
        }
        break;
      }
      case 'paused':
      case 'completed':
      case 'blocked':
        this.stopTicker();
        this.footer = '';
        if (e.type === 'blocked' && e.willRetryUntil !== undefined) {
          const msg = `blocked (${e.blocked.reason}), retrying for ${Math.max(0, Math.ceil((e.willRetryUntil - Date.now()) / 1000))} s: ${e.blocked.message}`;
          if (this.tty) this.footer = msg;
          else this.write(msg);
        }
        break;
    }
    if (e.type !== 'gray') this.stopTicker();
    this.redraw();
  };

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Stops the ticker (call when the run ends). */
  close(): void {
    this.stopTicker();
  }
}

/** The JSON line of an event (plans are summarised). */
export function jsonEvent(e: RolloutEvent): Record<string, unknown> {
  if (e.type === 'observed' || e.type === 'completed') {
    const p = e.plan;
    return {
      event: e.type,
      phase: p.phase,
      currentBatch: p.currentBatch,
      batches: p.batches.length,
      target: p.target,
      updated: p.updated,
      old: p.old,
    };
  }
  if (e.type === 'base') {
    return {
      event: e.type,
      batch: e.batch,
      base: e.base,
      status: e.status,
      operation: e.action.summary,
      ...(e.message !== undefined ? { message: e.message } : {}),
    };
  }
  const { type, ...rest } = e;
  return { event: type, ...rest };
}

/** The final JSON document of a run. */
export function planJson(plan: RolloutPlan): Record<string, unknown> {
  return plan as unknown as Record<string, unknown>;
}
