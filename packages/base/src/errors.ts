/**
 * Error registry of the `nodeark` base package. Stable codes `NODEARK_ERR_CONFIG_*` / `NODEARK_ERR_BASE_*`,
 * HTTP status at the definition; documented in `docs/errors.md`.
 */
import { createError } from '@nodeark/runtime';

/** A configuration key is not known to nodeark. */
export const ERR_CONFIG_UNKNOWN_KEY = createError('NODEARK_ERR_CONFIG_UNKNOWN_KEY', 'Unknown configuration key "%s" (from %s)%s', 500);
/** A configuration value does not have the key's type or range. */
export const ERR_CONFIG_INVALID_VALUE = createError(
  'NODEARK_ERR_CONFIG_INVALID_VALUE',
  'Invalid value %s for configuration key "%s" (from %s): %s',
  500,
);
/** The `--config` file cannot be read or parsed. */
export const ERR_CONFIG_FILE = createError('NODEARK_ERR_CONFIG_FILE', 'Cannot load config file %s: %s', 500);
/** Static deployment from `com.alipay.sofa.ark.static.biz.dir` failed (Java: "batch deploy failed!"). */
export const ERR_BASE_STATIC_DEPLOY = createError('NODEARK_ERR_BASE_STATIC_DEPLOY', 'Static deployment failed: %s', 500);
/** A console data or action request without the Arklet token, or with a wrong one (docs/console.md § Security). */
export const ERR_CONSOLE_UNAUTHORIZED = createError(
  'NODEARK_ERR_CONSOLE_UNAUTHORIZED',
  'The console needs the Arklet token (nodeark.arklet.auth.token): send Authorization: Bearer <token>',
  401,
);
/**
 * A console request refused whatever the token: without a token the console answers loopback clients named by a
 * loopback Host only, and never a request from another origin (docs/console.md § Security).
 */
export const ERR_CONSOLE_FORBIDDEN = createError('NODEARK_ERR_CONSOLE_FORBIDDEN', 'Console request refused: %s', 403);
/** A console action that is not one of the Arklet commands the console relays (docs/console.md § Actions). */
export const ERR_CONSOLE_UNKNOWN_ACTION = createError(
  'NODEARK_ERR_CONSOLE_UNKNOWN_ACTION',
  'The console relays installBiz, switchBiz and uninstallBiz only, not "%s"',
  404,
);
/** The console could not reach the base's Arklet API to relay an action (not started yet, or closed). */
export const ERR_CONSOLE_ARKLET_UNAVAILABLE = createError(
  'NODEARK_ERR_CONSOLE_ARKLET_UNAVAILABLE',
  'The Arklet API is not reachable: %s',
  503,
);
