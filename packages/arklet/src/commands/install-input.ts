/**
 * The installBiz input (docs/arklet-api.md), shared with the items of batchInstallBiz:
 * its TypeBox schema, its validation in Java order with Java messages, and the mapping of a runtime
 * install result to the sofa-ark `ClientResponse` data.
 */
import { Type, type Static } from '@sinclair/typebox';
import { assertBizName, assertBizVersion, type InstallRequest, type OperationResult } from '@nodeark/runtime';
import { bizModelJson } from '../biz-json.js';
import { probeBundle } from '../bundle-probe.js';
import type { CommandContext } from '../command-registry.js';
import { messageOf } from '../envelope.js';
import { isBlank, validationError } from '../input-validation.js';
import type { ClientResponseJson } from '../types.js';

/** Longest bizUrl accepted. */
export const MAX_BIZ_URL_LENGTH = 8192;

/** installBiz input. Every member is optional at the type level; the checks below require some. */
export const InstallBizInputSchema = Type.Object({
  /** `file:` (directory, .tgz, .zip/.jar), `http:`, `https:`, or an absolute path. Required, non-blank. */
  bizUrl: Type.Optional(Type.String({ maxLength: MAX_BIZ_URL_LENGTH })),
  /** Both or neither of bizName/bizVersion; when neither, they are read from the bundle. */
  bizName: Type.Optional(Type.String({ maxLength: 256 })),
  bizVersion: Type.Optional(Type.String({ maxLength: 256 })),
  /** The module's `ctx.args`. */
  args: Type.Optional(Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 1024 })),
  /** The module's `ctx.env` and whole `process.env`. */
  envs: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 65_536 }), { maxProperties: 1024 })),
  /** `installOnly` (default) or `uninstallThenInstall`; an unknown value falls back to installOnly. */
  installStrategy: Type.Optional(Type.String({ maxLength: 64 })),
  /** nodeark extension: SRI value (`sha256-…`/`sha512-…`) the archive must match before it is unpacked. */
  integrity: Type.Optional(Type.String({ maxLength: 1024 })),
  async: Type.Optional(Type.Boolean()),
  requestId: Type.Optional(Type.String({ maxLength: 256 })),
});

/** A type-checked installBiz input. */
export type InstallBizInput = Static<typeof InstallBizInputSchema>;

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
