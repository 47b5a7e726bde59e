/** `help` (docs/reference/arklet-protocol.md § help): every registered command as `{desc, id}`; input ignored. */
import type { AnyObjectSchema, CommandDefinition } from '../command-registry.js';
import type { CommandModelJson } from '../types.js';

/** The built-in `help` command. */
export const helpCommand: CommandDefinition<AnyObjectSchema, CommandModelJson[]> = {
  id: 'help',
  description: 'list all supported commands',
  handle: (_input, ctx) => ({ code: 'SUCCESS', data: ctx.registry.list() }),
};
