/**
 * Bundles: resolving a bizUrl, downloading, verifying, safely unpacking (tgz, zip/jar) or copying
 * (directory) into staging, reading the module manifest, and packing a module directory. See
 * `docs/bundles.md`.
 */
export { type BundleLimits, DEFAULT_BUNDLE_LIMITS } from './limits.js';
export { type DownloadOptions, DEFAULT_DOWNLOAD_OPTIONS } from './download.js';
// stageBundle and packBundle load their modules on first call (lazy-stage.ts): a base loads none of the
// readers and writers before its first install.
export type { StageOptions, StagedBundle } from './stage-bundle.js';
export { packBundle, preloadBundleStage, stageBundle } from './lazy-stage.js';
export { type BizManifestInfo, type BizRequirement, type BizRequirementField, readBizManifest } from './manifest.js';
export type { PackOptions, PackResult } from './pack.js';
