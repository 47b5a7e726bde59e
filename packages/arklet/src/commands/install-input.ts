/**
 * The installBiz input (docs/reference/arklet-protocol.md § installBiz), shared with the items of
 * batchInstallBiz: its TypeBox schema, its validation in Java order with Java messages, and the mapping of a runtime
 * install result to the sofa-ark `ClientResponse` data.
 */
import { assertBizName, assertBizVersion, type InstallRequest, type OperationResult } from '@nodeark/runtime';
import { bizModelJson } from '../biz-json.js';
import { probeBundle } from '../bundle-probe.js';
import type { CommandContext } from '../command-registry.js';
import { messageOf } from '../envelope.js';
import { builtinInput, isBlank, validationError } from '../input-validation.js';
import type { InstallBizInput } from '../schemas.js';

export type { InstallBizInput } from '../schemas.js';
import type { ClientResponseJson } from '../types.js';

/** installBiz input (and each batchInstallBiz item), generated check of `InstallBizInputSchema`. */
export const INSTALL_BIZ_INPUT = builtinInput('InstallBizInput');

/**
 * Java `InstallBizHandler.validateInput`, then nodeark's own checks:
 * 1. async without requestId (unless `checkAsync` is false: batch items run with async forced off);
 * 2. blank bizUrl; 3. exactly one of bizName/bizVersion blank; then path-safe bizName/bizVersion and env
 * names. With `readIdentity`, a request without bizName/bizVersion gets them from the bundle (step 4).
 */
export async function validateInstallInput(
  input: InstallBizInput,
  ctx: CommandContext,
  options: { checkAsync: boolean; readIdentity: boolean },
): Promise<void> {
  if (options.checkAsync && input.async === true && isBlank(input.requestId)) {
    throw validationError('requestId should not be blank when async is true');
  }
  if (isBlank(input.bizUrl)) throw validationError('bizUrl should not be blank');
  const noName = isBlank(input.bizName);
  const noVersion = isBlank(input.bizVersion);
  if (noName !== noVersion) throw validationError('bizName and bizVersion should be both blank or both not blank.');
  if (!noName) {
    assertBizName(input.bizName);
    assertBizVersion(input.bizVersion);
  } else {
    delete input.bizName;
    delete input.bizVersion;
  }
  if (input.envs) {
    for (const [k, v] of Object.entries(input.envs)) {
      if (k === '' || k.includes('=') || k.includes('\0')) {
        throw validationError(`envs key ${JSON.stringify(k.slice(0, 80))} is not a valid environment variable name`);
      }
      if (v.includes('\0')) throw validationError(`envs[${JSON.stringify(k.slice(0, 80))}] must not contain a NUL character`);
    }
  }
  input.installStrategy ??= 'installOnly';
  if (noName && options.readIdentity) {
    try {
      const manifest = await probeBundle(ctx.runtime, input.bizUrl as string, input.integrity);
      input.bizName = manifest.bizName;
      input.bizVersion = manifest.bizVersion;
    } catch (err) {
      throw Object.assign(validationError(`refresh biz info from bizUrl failed: ${messageOf(err)}`), { cause: err });
    }
  }
}

/** The runtime request of a validated input. */
export function toInstallRequest(input: InstallBizInput): InstallRequest {
  const req: InstallRequest = { bizUrl: input.bizUrl as string };
  if (input.bizName !== undefined) req.bizName = input.bizName;
  if (input.bizVersion !== undefined) req.bizVersion = input.bizVersion;
  if (input.args !== undefined) req.args = input.args;
  if (input.envs !== undefined) req.envs = input.envs;
  req.installStrategy = input.installStrategy === 'uninstallThenInstall' ? 'uninstallThenInstall' : 'installOnly';
  if (input.integrity !== undefined) req.integrity = input.integrity;
  return req;
}

/** A runtime install result → `ClientResponse`; `bizInfos` only on SUCCESS. */
export function installResponseJson(result: OperationResult, elapsedSpace?: number): ClientResponseJson {
  const out: ClientResponseJson = { code: result.code, message: result.message };
  if (result.code === 'SUCCESS') {
    return {
      bizInfos: result.biz ? [bizModelJson(result.biz)] : [],
      code: result.code,
      ...(elapsedSpace !== undefined ? { elapsedSpace } : {}),
      message: result.message,
    };
  }
  return elapsedSpace !== undefined ? { code: out.code, elapsedSpace, message: out.message } : out;
}
