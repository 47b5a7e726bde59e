/** Placeholder: the Arklet client commands (install, uninstall, switch, list, health, ops, batch). */
import type { CliCommand } from '../command.js';

/** Arklet-driving sub-commands. */
export const arkletCommands: CliCommand[] = [];
