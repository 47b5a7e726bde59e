/**
 * `uninstallBiz` (docs/reference/arklet-protocol.md § uninstallBiz): unroute → drain → `stop()` → terminate →
 * remove.
 * - the master biz name → FAILED, data `{code: FAILED, message: "Master biz must not be uninstalled."}`;
 * - not installed → **SUCCESS** with `data.code` `NOT_FOUND_BIZ` (a deviation, docs/reference/arklet-protocol.md
 *   § Deviations from the Java Arklet: Java answers FAILED and ModuleController loops on FAILED);
 * - any other non-SUCCESS runtime code → FAILED `uninstall biz not success!` with the ClientResponse.
 */
import type { CommandDefinition } from '../command-registry.js';
import type { ClientResponseJson } from '../types.js';
import type { BizMetaInputSchema } from '../schemas.js';
import { BIZ_META_INPUT, validateBizMetaInput } from './biz-meta-input.js';

/** The built-in `uninstallBiz` command. */
export const uninstallBizCommand: CommandDefinition<typeof BizMetaInputSchema, ClientResponseJson> = {
  id: 'uninstallBiz',
  description: 'uninstall one ark biz',
  input: BIZ_META_INPUT,
  bizOps: true,
  validate: (input, ctx) => validateBizMetaInput(input, ctx.masterBiz.bizName),
  async handle(input, ctx) {
    const bizName = input.bizName as string;
    const bizVersion = input.bizVersion as string;
    if (bizName === ctx.masterBiz.bizName) {
      return {
        code: 'FAILED',
        data: { code: 'FAILED', message: 'Master biz must not be uninstalled.' },
        message: 'uninstall biz not success!',
      };
    }
    const result = await ctx.runtime.uninstall(bizName, bizVersion);
    const data: ClientResponseJson = { code: result.code, message: result.message };
    if (result.code === 'SUCCESS' || result.code === 'NOT_FOUND_BIZ') return { code: 'SUCCESS', data };
    return { code: 'FAILED', data, message: 'uninstall biz not success!' };
  },
};
