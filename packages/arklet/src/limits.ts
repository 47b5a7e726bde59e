/** Size limits of the built-in command inputs (docs/arklet-api.md), shared by their schemas and checks. */

/** Longest bizUrl accepted. */
export const MAX_BIZ_URL_LENGTH = 8192;

/** Most items in one batchInstallBiz. */
export const MAX_BATCH_ITEMS = 256;
