/**
 * `batchInstallBiz` (docs/reference/arklet-protocol.md § batchInstallBiz): install a list of modules by
 * priority group.
 * 1. every item is validated like installBiz (async forced off); `bizList` is required (`bizList is null`);
 * 2. every bundle is read once to get its priority (and its identity when the item has none); a bundle that
 *    cannot be read fails the whole batch (Java propagates the download error → internal error);
 * 3. groups run in ascending priority, the items of a group concurrently, each under its identity lock;
 * 4. results are keyed by bizUrl (duplicates overwrite); an item that throws becomes
 *    `{code: FAILED, message: "internal exception: <msg>"}`; failures do not stop later groups;
 * 5. SUCCESS when every item succeeded, else FAILED `install biz not success!` with data message
 *    `batch install failed`.
 * The top-level lock key is the request's own bizName:bizVersion, normally `null:null`, so two batches
 * conflict with each other but not with single installs.
 */
import type { BizManifestInfo } from '@nodeark/runtime';
import { probeBundle } from '../bundle-probe.js';
import type { CommandContext, CommandDefinition } from '../command-registry.js';
import { conflictMessage, lockKey } from '../coordinator.js';
import { messageOf } from '../envelope.js';
import { assertInput, builtinInput, dropNulls, isPlainObject, validationError } from '../input-validation.js';
import type { BatchInstallBizInputSchema } from '../schemas.js';
import { measureHeap } from '../memory.js';
import type { BatchInstallResponseJson, ClientResponseJson } from '../types.js';
import {
  INSTALL_BIZ_INPUT,
  installResponseJson,
  toInstallRequest,
  validateInstallInput,
  type InstallBizInput,
} from './install-input.js';

/** The built-in `batchInstallBiz` command. */
export const batchInstallBizCommand: CommandDefinition<typeof BatchInstallBizInputSchema, BatchInstallResponseJson> = {
  id: 'batchInstallBiz',
  description: 'install one ark biz',
  input: builtinInput('BatchInstallBizInput'),
  bizOps: true,
  async validate(input, ctx) {
    if (input.bizList === undefined) throw validationError('bizList is null');
    const items: InstallBizInput[] = [];
    for (let i = 0; i < input.bizList.length; i++) {
      const raw = input.bizList[i];
      if (!isPlainObject(raw)) throw validationError(`bizList[${i}] must be an object`);
      const item = dropNulls(raw);
      await assertInput(INSTALL_BIZ_INPUT, item, `bizList[${i}].`);
      const typed = item as InstallBizInput;
      typed.async = false;
      delete typed.requestId;
      await validateInstallInput(typed, ctx, { checkAsync: false, readIdentity: false });
      items.push(typed);
    }
    input.bizList = items;
  },
  async handle(input, ctx) {
    const items = input.bizList as InstallBizInput[];
    const measure = measureHeap();
    // Step 1: read every bundle (priority, and the identity of items that have none).
    const probed: { item: InstallBizInput; manifest: BizManifestInfo }[] = [];
    for (const item of items) {
      const manifest = await probeBundle(ctx.runtime, item.bizUrl as string, item.integrity);
      if (item.bizName === undefined) {
        item.bizName = manifest.bizName;
        item.bizVersion = manifest.bizVersion;
      }
      probed.push({ item, manifest });
    }
    // Steps 2-4: ascending priority groups, each group concurrently, results keyed by bizUrl.
    const groups = new Map<number, InstallBizInput[]>();
    for (const { item, manifest } of probed) {
      const g = groups.get(manifest.priority) ?? [];
      g.push(item);
      groups.set(manifest.priority, g);
    }
    const bizUrlToResponse: Record<string, ClientResponseJson> = {};
    let allSucceeded = true;
    for (const priority of [...groups.keys()].sort((a, b) => a - b)) {
      const group = groups.get(priority) as InstallBizInput[];
      const results = await Promise.all(group.map((item) => installItem(item, ctx)));
      group.forEach((item, i) => {
        const r = results[i] as ClientResponseJson;
        if (r.code !== 'SUCCESS') allSucceeded = false;
        bizUrlToResponse[item.bizUrl as string] = r;
      });
    }
    const data: BatchInstallResponseJson = {
      bizUrlToResponse,
      code: allSucceeded ? 'SUCCESS' : 'FAILED',
      elapsedSpace: measure(),
      message: allSucceeded ? 'batch install success' : 'batch install failed',
    };
    if (allSucceeded) return { code: 'SUCCESS', data };
    return { code: 'FAILED', data, message: 'install biz not success!' };
  },
};

/** One item under its own identity lock; never rejects. */
async function installItem(item: InstallBizInput, ctx: CommandContext): Promise<ClientResponseJson> {
  const key = lockKey(item.bizName, item.bizVersion);
  const lock = ctx.registry.coordinator.tryLock(key, 'batchInstallBiz');
  if (!lock.ok) return { code: 'FAILED', message: conflictMessage(key, 'batchInstallBiz', lock.running) };
  try {
    return installResponseJson(await ctx.runtime.install(toInstallRequest(item)));
  } catch (err) {
    return { code: 'FAILED', message: `internal exception: ${messageOf(err)}` };
  } finally {
    lock.release();
  }
}
