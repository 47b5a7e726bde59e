/**
 * Size and count limits applied while staging a bundle. They are what keeps a hostile or broken bundle
 * (a zip bomb, a tarball with millions of entries, an endless download) from filling the disk of the base.
 */

const MiB = 1024 * 1024;

/** Limits applied to every bundle, whatever its form. */
export interface BundleLimits {
  /** Largest archive accepted, in bytes (a download is aborted as soon as it passes this). */
  maxArchiveBytes: number;
  /** Largest total of file bytes written while unpacking or copying, counted on the actual bytes. */
  maxUnpackedBytes: number;
  /** Most archive entries, and most files, directories and links created, in one bundle. */
  maxEntries: number;
}

/** 256 MiB archive, 1 GiB unpacked, 20 000 entries. */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxArchiveBytes: 256 * MiB,
  maxUnpackedBytes: 1024 * MiB,
  maxEntries: 20_000,
});

/**
 * Fills the missing fields of `partial` from {@link DEFAULT_BUNDLE_LIMITS}.
 * Throws a `RangeError` for a negative or non-numeric limit: that is a configuration bug, not a bad bundle.
 */
export function resolveLimits(partial?: Partial<BundleLimits>): BundleLimits {
  const out: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS };
  for (const key of Object.keys(DEFAULT_BUNDLE_LIMITS) as (keyof BundleLimits)[]) {
    const v = partial?.[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
      throw new RangeError(`bundle limit ${key} must be a non-negative number, got ${String(v)}`);
    }
    out[key] = v;
  }
  return out;
}
