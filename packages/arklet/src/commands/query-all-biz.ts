/**
 * `queryAllBiz` (docs/reference/arklet-protocol.md § queryAllBiz): every installed module version in any
 * state, by priority ascending; the master biz (the base) is not listed (Java skips the `embed main` biz).
 * Input ignored.
 */
import { bizInfoJson } from '../biz-json.js';
import type { AnyObjectSchema, CommandDefinition } from '../command-registry.js';
import type { BizInfoJson } from '../types.js';

/** The built-in `queryAllBiz` command. */
export const queryAllBizCommand: CommandDefinition<AnyObjectSchema, BizInfoJson[]> = {
  id: 'queryAllBiz',
  description: 'query all ark biz(including master biz)',
  handle: (_input, ctx) => ({ code: 'SUCCESS', data: ctx.runtime.list().map(bizInfoJson) }),
};
