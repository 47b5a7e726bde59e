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
