/**
 * Size limits of the built-in command inputs (docs/reference/arklet-protocol.md § Input rules), shared by their
 * schemas and checks.
 */

/** Longest bizUrl accepted. */
export const MAX_BIZ_URL_LENGTH = 8192;

/** Most items in one batchInstallBiz. */
export const MAX_BATCH_ITEMS = 256;
