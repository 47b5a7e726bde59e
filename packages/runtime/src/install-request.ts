/**
 * Checks an install: the request before anything is fetched (the shape the Arklet and library callers
 * may send, docs/arklet-api.md), then the bundle's manifest before anything changes (the identity asked
 * for, reserved names, the Node.js/nodeark ranges it declares, the base's admission checks).
 */
import { redactUrl } from './bundle/redact-url.js';
import type { BizManifestInfo } from './bundle/index.js';
import {
  ERR_BIZ_CONTEXT_PATH_RESERVED,
  ERR_BIZ_IDENTITY_MISMATCH,
  ERR_BIZ_INVALID_IDENTITY,
  ERR_BUNDLE_INVALID_URL,
} from './errors.js';
import { assertBizName, assertBizVersion, bizIdentity } from './identity.js';
import type { RuntimeLogger } from './runtime-options.js';
import type { InstallCandidate, InstallRequest } from './types.js';
import { checkRequirements } from './versions.js';

/** An install request that passed {@link validateInstallRequest}: a copy with a non-blank, trimmed bizUrl. */
export type ValidInstallRequest = InstallRequest & { bizUrl: string };

/** Names a module may not take: they would collide with what the store itself keeps (the base's link). */
export const RESERVED_BIZ_NAMES: ReadonlySet<string> = new Set(['node_modules']);

/**
 * Validates and copies an install request. Throws `NODEARK_ERR_BUNDLE_INVALID_URL` for a missing or blank
 * bizUrl and `NODEARK_ERR_BIZ_INVALID_IDENTITY` for a bad name, version, `args` or `envs`. An unknown
 * `installStrategy` means `installOnly` (docs/reference/arklet-protocol.md § installBiz).
 */
export function validateInstallRequest(r: InstallRequest): ValidInstallRequest {
  if (typeof r !== 'object' || r === null) throw new ERR_BUNDLE_INVALID_URL('', 'the install request must be an object');
  if (typeof r.bizUrl !== 'string' || r.bizUrl.trim() === '') {
    throw new ERR_BUNDLE_INVALID_URL(String(r.bizUrl ?? ''), 'bizUrl should not be blank');
  }
  const out: ValidInstallRequest = { bizUrl: r.bizUrl.trim() };
  if (r.bizName !== undefined) {
    assertBizName(r.bizName);
    out.bizName = r.bizName;
  }
  if (r.bizVersion !== undefined) {
    assertBizVersion(r.bizVersion);
    out.bizVersion = r.bizVersion;
  }
  if (r.args !== undefined) {
    if (!Array.isArray(r.args) || r.args.some((a) => typeof a !== 'string')) {
      throw new ERR_BIZ_INVALID_IDENTITY('args', JSON.stringify(r.args), 'args must be an array of strings');
    }
    out.args = [...r.args];
  }
  if (r.envs !== undefined) {
    if (!isStringRecord(r.envs)) {
      throw new ERR_BIZ_INVALID_IDENTITY('envs', JSON.stringify(r.envs), 'envs must be an object of string values');
    }
    out.envs = { ...r.envs };
  }
  if (r.installStrategy !== undefined) {
    out.installStrategy = r.installStrategy === 'uninstallThenInstall' ? 'uninstallThenInstall' : 'installOnly';
  }
  if (r.integrity !== undefined) out.integrity = r.integrity;
  return out;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
  );
}

/** What {@link manifestRefusal} checks a manifest against. */
export interface ManifestChecks {
  /** The running nodeark version, when known (`RuntimeOptions.hostVersions`). */
  nodeark: string | undefined;
  /** The base's admission checks, in the order they were added. */
  admissionChecks: readonly ((candidate: InstallCandidate) => string | undefined)[];
  log: RuntimeLogger;
}

/**
 * Checks a bundle's manifest before any version is uninstalled or anything is registered: the `FAILED`
 * message for an identity other than the one asked for, a Node.js/nodeark range this base does not
 * satisfy, or a path an admission check refuses; undefined when it may be installed. A reserved name
 * throws `NODEARK_ERR_BIZ_INVALID_IDENTITY` (bad input rather than a business outcome).
 */
export function manifestRefusal(
  req: ValidInstallRequest,
  manifest: BizManifestInfo,
  checks: ManifestChecks,
): string | undefined {
  const declared = bizIdentity(manifest.bizName, manifest.bizVersion);
  if (
    (req.bizName !== undefined && req.bizName !== manifest.bizName) ||
    (req.bizVersion !== undefined && req.bizVersion !== manifest.bizVersion)
  ) {
    const asked = `${req.bizName ?? manifest.bizName}:${req.bizVersion ?? manifest.bizVersion}`;
    return new ERR_BIZ_IDENTITY_MISMATCH(redactUrl(req.bizUrl), declared, asked).message;
  }
  if (RESERVED_BIZ_NAMES.has(manifest.bizName)) {
    throw new ERR_BIZ_INVALID_IDENTITY('bizName', manifest.bizName, 'this name is reserved');
  }
  const compat = checkRequirements(declared, manifest.requirements ?? [], {
    node: process.versions.node,
    nodeark: checks.nodeark,
  });
  if (compat.unchecked.length > 0) {
    checks.log.debug({ biz: declared, unchecked: compat.unchecked }, 'no nodeark version configured: range not checked');
  }
  if (compat.refusal !== undefined) return compat.refusal;
  for (const check of checks.admissionChecks) {
    const reason = check({
      bizName: manifest.bizName,
      bizVersion: manifest.bizVersion,
      webContextPath: manifest.webContextPath,
    });
    if (reason !== undefined) return new ERR_BIZ_CONTEXT_PATH_RESERVED(manifest.webContextPath, reason).message;
  }
  return undefined;
}
