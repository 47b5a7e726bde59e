/** Placeholder: `nodeark rollout plan|apply|status|confirm|rollback|scale|delete`. */
import type { CliCommand } from '../command.js';

/** Rollout sub-commands. */
export const rolloutCommands: CliCommand[] = [];
