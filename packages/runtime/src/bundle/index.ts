/**
 * Bundles: resolving a bizUrl, downloading, verifying, safely unpacking (tgz, zip/jar) or copying
 * (directory) into staging, reading the module manifest, and packing a module directory. See
 * `docs/bundles.md`.
 */
export { type BundleLimits, DEFAULT_BUNDLE_LIMITS } from './limits.js';
export { type DownloadOptions, DEFAULT_DOWNLOAD_OPTIONS } from './download.js';
export { type StageOptions, type StagedBundle, stageBundle } from './stage-bundle.js';
export { type BizManifestInfo, type BizRequirement, type BizRequirementField, readBizManifest } from './manifest.js';
export { type PackOptions, type PackResult, packBundle } from './pack.js';
