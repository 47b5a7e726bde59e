/**
 * The input of uninstallBiz and switchBiz (Java `ArkBizMeta`, docs/reference/arklet-protocol.md § uninstallBiz)
 * and its validation, in Java order: bizName, bizVersion, then requestId when async.
 */
import { assertBizName, assertBizVersion } from '@nodeark/runtime';
import { builtinInput, isBlank, validationError } from '../input-validation.js';
import type { BizMetaInput } from '../schemas.js';

export type { BizMetaInput } from '../schemas.js';

/** uninstallBiz/switchBiz input, generated check of `BizMetaInputSchema`. */
export const BIZ_META_INPUT = builtinInput('BizMetaInput');

/**
 * Java `UninstallBizHandler.validate` / `SwitchBizHandler.validate`, then path-safe identity checks (skipped
 * for the master biz name, which the handlers answer themselves, whatever characters it uses).
 */
export function validateBizMetaInput(input: BizMetaInput, masterBizName?: string): void {
  if (isBlank(input.bizName)) throw validationError('bizName should not be blank');
  if (isBlank(input.bizVersion)) throw validationError('bizVersion should not be blank');
  if (input.async === true && isBlank(input.requestId)) throw validationError('requestId should not be blank when async is true');
  if (input.bizName === masterBizName) return;
  assertBizName(input.bizName);
  assertBizVersion(input.bizVersion);
}
