/**
 * The actuator's error registry. Every error it throws carries a stable `code` (`NODEARK_ERR_ACTUATOR_*`)
 * and an HTTP status, built with the runtime's `createError` (match on `err.code`, never `instanceof`).
 */
import { createError } from '@nodeark/runtime';

/** `registerHealthIndicator` with a name that is already taken (built-in or registered). */
export const ERR_ACTUATOR_DUPLICATE_INDICATOR = createError(
  'NODEARK_ERR_ACTUATOR_DUPLICATE_INDICATOR',
  'A health indicator named "%s" is already registered',
  409,
);
/** An indicator, info contributor or plugin name is empty, contains `/`, or is otherwise unusable. */
export const ERR_ACTUATOR_INVALID_NAME = createError('NODEARK_ERR_ACTUATOR_INVALID_NAME', 'Invalid %s name "%s": %s', 400);
/** `registerHealthIndicator` / `registerInfoContributor` was given something that is not a function. */
export const ERR_ACTUATOR_NOT_A_FUNCTION = createError(
  'NODEARK_ERR_ACTUATOR_NOT_A_FUNCTION',
  'The %s "%s" must be a function',
  400,
);
/** `registerInfoContributor` with a key that is already taken (`arkBizInfo`, `arkPluginInfo`, `build`, `git`, …). */
export const ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR = createError(
  'NODEARK_ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR',
  'An info contributor named "%s" is already registered',
  409,
);
/** `registerPlugin` with a plugin name that is already listed in `arkPluginInfo`. */
export const ERR_ACTUATOR_DUPLICATE_PLUGIN = createError(
  'NODEARK_ERR_ACTUATOR_DUPLICATE_PLUGIN',
  'A plugin named "%s" is already registered',
  409,
);
/** A configuration value is malformed (wrong type, unknown enum value, out of range). Names the key. */
export const ERR_ACTUATOR_INVALID_CONFIG = createError(
  'NODEARK_ERR_ACTUATOR_INVALID_CONFIG',
  'Invalid value for %s: %s (%s)',
  500,
);
/** An actuator configuration key that this package does not know (under a prefix it owns). */
export const ERR_ACTUATOR_UNKNOWN_PROPERTY = createError(
  'NODEARK_ERR_ACTUATOR_UNKNOWN_PROPERTY',
  'Unknown actuator property "%s"%s',
  500,
);
/** The actuator was used after `close()`. */
export const ERR_ACTUATOR_CLOSED = createError('NODEARK_ERR_ACTUATOR_CLOSED', 'The actuator is closed', 503);
