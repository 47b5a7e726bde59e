/**
 * `queryBizOps` (docs/reference/arklet-protocol.md § queryBizOps): the record of an async operation by requestId.
 * Absent body → `request is null`, blank id → `requestId is blank` (internal errors); unknown or evicted id
 * → FAILED `Not found the corresponding ops record.`
 */
import type { CommandDefinition } from '../command-registry.js';
import { builtinInput, isBlank, validationError } from '../input-validation.js';
import type { QueryBizOpsInputSchema } from '../schemas.js';
import type { ProcessRecordJson } from '../types.js';

/** The built-in `queryBizOps` command. */
export const queryBizOpsCommand: CommandDefinition<typeof QueryBizOpsInputSchema, ProcessRecordJson> = {
  id: 'queryBizOps',
  description: 'query ark biz ops',
  input: builtinInput('QueryBizOpsInput'),
  nullInputMessage: 'request is null',
  validate(input) {
    if (isBlank(input.requestId)) throw validationError('requestId is blank');
  },
  handle(input, ctx) {
    const record = ctx.registry.records.get(input.requestId as string);
    if (!record) return { code: 'FAILED', message: 'Not found the corresponding ops record.' };
    return { code: 'SUCCESS', data: record.toJSON() };
  },
};
