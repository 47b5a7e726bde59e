/**
 * `installBiz` (docs/reference/arklet-protocol.md § installBiz): install one module version from a bizUrl.
 * SUCCESS → `ofSuccess(ClientResponse)`; any other runtime code → `ofFailed(ClientResponse,
 * "install biz not success!")`; a thrown error (bad input, download, archive, start failure) →
 * `CMD_PROCESS_INTERNAL_ERROR`.
 */
import type { CommandDefinition } from '../command-registry.js';
import type { InstallBizInputSchema } from '../schemas.js';
import { measureHeap } from '../memory.js';
import type { ClientResponseJson } from '../types.js';
import {
  INSTALL_BIZ_INPUT,
  installResponseJson,
  toInstallRequest,
  validateInstallInput,
} from './install-input.js';

/** The built-in `installBiz` command. */
export const installBizCommand: CommandDefinition<typeof InstallBizInputSchema, ClientResponseJson> = {
  id: 'installBiz',
  description: 'install one ark biz',
  input: INSTALL_BIZ_INPUT,
  bizOps: true,
  validate: (input, ctx) => validateInstallInput(input, ctx, { checkAsync: true, readIdentity: true }),
  async handle(input, ctx) {
    const measure = measureHeap();
    const result = await ctx.runtime.install(toInstallRequest(input));
    const data = installResponseJson(result, measure());
    if (result.code === 'SUCCESS') return { code: 'SUCCESS', data };
    return { code: 'FAILED', data, message: 'install biz not success!' };
  },
};
