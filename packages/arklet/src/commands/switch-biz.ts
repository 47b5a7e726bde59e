/**
 * `switchBiz` (docs/reference/arklet-protocol.md § switchBiz): make a version the activated one; the
 * previously activated version becomes deactivated and routing flips atomically. Not found → NOT_FOUND_BIZ, a
 * state other than activated/deactivated → ILLEGAL_STATE_BIZ, both as FAILED `switch biz not success!`.
 */
import type { CommandDefinition } from '../command-registry.js';
import type { ClientResponseJson } from '../types.js';
import type { BizMetaInputSchema } from '../schemas.js';
import { BIZ_META_INPUT, validateBizMetaInput } from './biz-meta-input.js';

/** The built-in `switchBiz` command. */
export const switchBizCommand: CommandDefinition<typeof BizMetaInputSchema, ClientResponseJson> = {
  id: 'switchBiz',
  description: 'switch one ark biz',
  input: BIZ_META_INPUT,
  bizOps: true,
  validate: (input, ctx) => validateBizMetaInput(input, ctx.masterBiz.bizName),
  async handle(input, ctx) {
    const bizName = input.bizName as string;
    const bizVersion = input.bizVersion as string;
    if (bizName === ctx.masterBiz.bizName) {
      // The master biz is always activated (Java: switching to an activated biz changes nothing, SUCCESS);
      // it is not a runtime module, so another version of its name does not exist.
      if (bizVersion === ctx.masterBiz.bizVersion) {
        return { code: 'SUCCESS', data: { code: 'SUCCESS', message: `Switch biz: ${bizName}:${bizVersion} is activated.` } };
      }
      return {
        code: 'FAILED',
        data: { code: 'NOT_FOUND_BIZ', message: `Switch biz: ${bizName}:${bizVersion} not found.` },
        message: 'switch biz not success!',
      };
    }
    const result = await ctx.runtime.switchBiz(bizName, bizVersion);
    const data: ClientResponseJson = { code: result.code, message: result.message };
    if (result.code === 'SUCCESS') return { code: 'SUCCESS', data };
    return { code: 'FAILED', data, message: 'switch biz not success!' };
  },
};
