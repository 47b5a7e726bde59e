/**
 * Reads a bundle's declared identity and priority without installing it: stage it into a private temp
 * directory, read its `package.json`, dispose. Used by installBiz when the request has no bizName/bizVersion
 * (docs/reference/arklet-protocol.md § installBiz, validation step 7: the identity is needed before the lock
 * is taken) and
 * by batchInstallBiz to group items by priority. Like Java, this reads the bundle once more
 * than the install itself does. The runtime's bundle policy (allowed hosts and roots,
 * integrity-required) is checked first, then its limits, download options and schemes apply: the probe
 * never reads a bundle the install itself would refuse to read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBundlePolicy, readBizManifest, stageBundle, type BizManifestInfo, type BizRuntime } from '@nodeark/runtime';

/** Stages `bizUrl` with the runtime's settings and returns its manifest; leaves nothing behind. */
export async function probeBundle(runtime: BizRuntime, bizUrl: string, integrity?: string): Promise<BizManifestInfo> {
  await checkBundlePolicy(bizUrl.trim(), integrity, runtime.options.bundlePolicy);
  const stagingDir = await mkdtemp(join(tmpdir(), 'nodeark-arklet-probe-'));
  try {
    const staged = await stageBundle(bizUrl.trim(), {
      stagingDir,
      limits: runtime.options.bundleLimits,
      download: runtime.options.download,
      allowedSchemes: runtime.options.allowedSchemes,
      ...(integrity !== undefined ? { integrity } : {}),
    });
    try {
      return await readBizManifest(staged.root);
    } finally {
      await staged.dispose();
    }
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}
