/**
 * Running one planned operation on one base over the Arklet API, and what its failure means for the batch.
 *
 * Operations per base (the Arklet commands used):
 * - install: `installBiz {bizName, bizVersion, bizUrl}`, then wait until `queryAllBiz` shows it `activated`
 *   (`switchBiz` when it came up `deactivated`);
 * - upgrade, `install_then_uninstall`: installBiz the new version (it starts `deactivated` next to the
 *   activated old one), `switchBiz` to it (the routing flips atomically), wait for `activated`, then
 *   `uninstallBiz` each old version; `uninstall_then_install`: uninstall the old versions, then install;
 * - finish (a new version found installed but not activated): `switchBiz`, or uninstall + reinstall when it
 *   is `broken`, or wait while it is starting; then uninstall the old versions;
 * - remove: `uninstallBiz` each version (not found counts as done).
 */
import { ERR_CLIENT_CONNECT, ERR_CLIENT_HTTP_STATUS, type ArkletClient, type ArkletResponse, type ClientResponse } from '@nodeark/client';
import { errorText, sleep } from './kit.js';
import { toObservedBiz, type FleetClients } from './observe.js';
import type { BaseProgress } from './rollout-options.js';
import type { Action, BlockedReason, ModuleDeployment } from './types.js';

/** A failed base operation, with the reason the batch is blocked for. */
export class ActionError extends Error {
  constructor(
    readonly reason: BlockedReason,
    message: string,
  ) {
    super(message);
  }
}

/** What running an operation on a base needs. */
export interface ActionContext {
  md: ModuleDeployment;
  clients: FleetClients;
  callTimeoutMs: number;
  activationTimeoutMs: number;
  pollIntervalMs: number;
  signal?: AbortSignal;
  report: (a: Action, status: BaseProgress, message?: string) => void;
}

/** Runs `a`, retried up to `retries` times; reports `Failed` and rethrows the last error. */
export async function withRetries(a: Action, ctx: ActionContext, retries: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await runAction(a, ctx);
      return;
    } catch (err) {
      if (attempt >= retries || ctx.signal?.aborted) {
        ctx.report(a, 'Failed', (err as Error).message);
        throw err;
      }
      ctx.report(a, 'Prepare', `retrying after: ${(err as Error).message}`);
      await sleep(ctx.pollIntervalMs, ctx.signal);
    }
  }
}

function transport(base: string, command: string, err: unknown): ActionError {
  const e = err as { code?: string };
  // A timeout is not "unreachable": a slow install may still be running on the base (re-run apply to see).
  const unreachable = e.code === ERR_CLIENT_CONNECT.code || e.code === ERR_CLIENT_HTTP_STATUS.code;
  return new ActionError(
    unreachable ? 'BaseUnreachable' : command === 'uninstallBiz' ? 'UninstallFailed' : 'InstallFailed',
    `${command} on ${base}: ${errorText(err)}`,
  );
}

function envelopeDetail(res: ArkletResponse<unknown>): string {
  const data = res.data as { code?: unknown; message?: unknown } | undefined;
  const parts = [res.message, typeof data?.message === 'string' && data.message !== res.message ? data.message : undefined].filter(
    (m): m is string => typeof m === 'string' && m !== '',
  );
  const dataCode = typeof data?.code === 'string' && data.code !== res.code ? ` [${data.code}]` : '';
  return `${res.code}: ${parts.join(' — ') || '(no message)'}${dataCode}`;
}

async function call<T>(
  a: Action,
  ctx: ActionContext,
  command: string,
  fn: (c: ArkletClient, opts: { timeoutMs: number; signal?: AbortSignal }) => Promise<ArkletResponse<T>>,
): Promise<ArkletResponse<T>> {
  try {
    return await fn(ctx.clients.get(a.arkletUrl), {
      timeoutMs: ctx.callTimeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (err) {
    throw transport(a.base, command, err);
  }
}

async function install(a: Action, ctx: ActionContext): Promise<void> {
  const { name, version, url } = ctx.md.module;
  ctx.report(a, 'Upgrading', `installBiz ${name}:${version}`);
  const res = await call<ClientResponse>(a, ctx, 'installBiz', (c, o) => c.installBiz({ bizName: name, bizVersion: version, bizUrl: url }, o));
  if (res.code === 'SUCCESS') return;
  if (res.code === 'FAILED' && res.data?.code === 'REPEAT_BIZ') return; // already there (another bizUrl, or deactivated): checked next
  throw new ActionError('InstallFailed', `installBiz ${name}:${version} on ${a.base} answered ${envelopeDetail(res)}`);
}

async function uninstall(a: Action, ctx: ActionContext, version: string): Promise<void> {
  const name = ctx.md.module.name;
  ctx.report(a, 'Terminating', `uninstallBiz ${name}:${version}`);
  const deadline = Date.now() + ctx.activationTimeoutMs;
  for (;;) {
    const res = await call<ClientResponse>(a, ctx, 'uninstallBiz', (c, o) => c.uninstallBiz({ bizName: name, bizVersion: version }, o));
    if (res.code === 'SUCCESS') return;
    if (res.code === 'FAILED' && res.data?.code === 'NOT_FOUND_BIZ') return; // Java: not installed is FAILED
    if (res.code === 'FAILED' && res.data?.code === 'ILLEGAL_STATE_BIZ' && Date.now() < deadline && !ctx.signal?.aborted) {
      await sleep(ctx.pollIntervalMs, ctx.signal); // still starting: wait and retry
      continue;
    }
    throw new ActionError('UninstallFailed', `uninstallBiz ${name}:${version} on ${a.base} answered ${envelopeDetail(res)}`);
  }
}

/** Waits until the desired version is `activated` on the base, switching to it when it is `deactivated`. */
async function ensureActivated(a: Action, ctx: ActionContext): Promise<void> {
  const { name, version } = ctx.md.module;
  ctx.report(a, 'Completing', `waiting for ${name}:${version} to be activated`);
  const deadline = Date.now() + ctx.activationTimeoutMs;
  let switched = false;
  for (;;) {
    const res = await call(a, ctx, 'queryAllBiz', (c, o) => c.queryAllBiz(o));
    if (res.code !== 'SUCCESS' || !Array.isArray(res.data)) throw new ActionError('ActivationFailed', `queryAllBiz on ${a.base} answered ${envelopeDetail(res)}`);
    const biz = res.data.map(toObservedBiz).find((b) => b.bizName === name && b.bizVersion === version);
    if (!biz) throw new ActionError('ActivationFailed', `${name}:${version} is not installed on ${a.base} after installBiz answered SUCCESS`);
    if (biz.bizState === 'activated') return;
    if (biz.bizState === 'broken' || biz.bizState === 'stopped') {
      throw new ActionError('ActivationFailed', `${name}:${version} is ${biz.bizState} on ${a.base}${biz.message ? `: ${biz.message}` : ''}`);
    }
    if (biz.bizState === 'deactivated' && !switched) {
      ctx.report(a, 'Completing', `switchBiz ${name}:${version}`);
      const sw = await call<ClientResponse>(a, ctx, 'switchBiz', (c, o) => c.switchBiz({ bizName: name, bizVersion: version }, o));
      if (sw.code !== 'SUCCESS') throw new ActionError('ActivationFailed', `switchBiz ${name}:${version} on ${a.base} answered ${envelopeDetail(sw)}`);
      switched = true;
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ActionError('ActivationFailed', `${name}:${version} is still ${biz.bizState} on ${a.base} after ${Math.round(ctx.activationTimeoutMs / 1000)} s`);
    }
    if (ctx.signal?.aborted) throw new ActionError('ActivationFailed', 'aborted');
    await sleep(ctx.pollIntervalMs, ctx.signal);
  }
}

async function runAction(a: Action, ctx: ActionContext): Promise<void> {
  switch (a.kind) {
    case 'install':
      await install(a, ctx);
      await ensureActivated(a, ctx);
      ctx.report(a, 'Available');
      return;
    case 'upgrade':
      if (a.policy === 'uninstall_then_install') {
        for (const v of a.versions) await uninstall(a, ctx, v);
        await install(a, ctx);
        await ensureActivated(a, ctx);
      } else {
        await install(a, ctx);
        await ensureActivated(a, ctx);
        for (const v of a.versions) await uninstall(a, ctx, v);
      }
      ctx.report(a, 'Available');
      return;
    case 'finish':
      if (a.state === 'broken') {
        await uninstall(a, ctx, ctx.md.module.version);
        await install(a, ctx);
      }
      await ensureActivated(a, ctx);
      for (const v of a.versions) await uninstall(a, ctx, v);
      ctx.report(a, 'Available');
      return;
    case 'remove':
      for (const v of a.versions) await uninstall(a, ctx, v);
      ctx.report(a, 'Terminated');
      return;
  }
}
