/**
 * Runtime snapshots → the JSON shapes of the Arklet wire: the full `BizModel` dump of `bizInfos[]`
 * (docs/reference/arklet-protocol.md § Wire types), the `queryAllBiz` `BizInfo`, `BizStateRecord` and the
 * health `BizHealthMeta`. Keys are written in alphabetical order like fastjson.
 */
import type { BizSnapshot, BizStateRecord } from '@nodeark/runtime';
import type { BizHealthMetaJson, BizInfoJson, BizModelJson, BizStateRecordJson, MasterBizInfo } from './types.js';

/**
 * A bizUrl as shown on the wire: unchanged, except that URL userinfo (`https://user:pass@host/…`, used for
 * Basic auth on downloads) is removed so credentials never appear in responses or operation records.
 */
export function displayBizUrl(bizUrl: string): string {
  if (!bizUrl.includes('@')) return bizUrl;
  try {
    const u = new URL(bizUrl);
    if (u.username === '' && u.password === '') return bizUrl;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return bizUrl.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
  }
}

/** One state record. */
export function stateRecordJson(r: BizStateRecord): BizStateRecordJson {
  return { changeTime: Math.trunc(r.changeTime), message: r.message, reason: r.reason, state: r.state };
}

/**
 * A `bizInfos[]` element. `bizTempWorkDir` is the module directory, `mainClass`
 * the entry file; the Java class-loading members are present and empty (`[]`, `false`) because typed Go
 * clients declare them (`ARKCTL:v1/service/ark/types.go`).
 */
export function bizModelJson(b: BizSnapshot): BizModelJson {
  return {
    attributes: {},
    bizName: b.bizName,
    bizState: b.bizState,
    bizStateRecords: b.bizStateRecords.map(stateRecordJson),
    bizTempWorkDir: b.bizDir,
    bizUrl: displayBizUrl(b.bizUrl),
    bizVersion: b.bizVersion,
    classPath: [],
    declaredMode: false,
    denyImportClasses: [],
    denyImportPackageNodes: [],
    denyImportPackageStems: [],
    denyImportPackages: [],
    denyImportResources: [],
    denyPrefixImportResourceStems: [],
    denySuffixImportResourceStems: [],
    identity: b.identity,
    injectExportPackages: [],
    injectPluginDependencies: [],
    mainClass: b.mainClass,
    priority: Math.trunc(b.priority),
    webContextPath: b.webContextPath,
  };
}

/** A `queryAllBiz` element. */
export function bizInfoJson(b: BizSnapshot): BizInfoJson {
  return {
    bizName: b.bizName,
    bizState: b.bizState,
    bizStateRecords: b.bizStateRecords.map(stateRecordJson),
    bizVersion: b.bizVersion,
    mainClass: b.mainClass,
    webContextPath: b.webContextPath,
  };
}

/** A health `BizHealthMeta` of a module. */
export function bizHealthMetaJson(b: BizSnapshot): BizHealthMetaJson {
  return { bizName: b.bizName, bizState: b.bizState, bizVersion: b.bizVersion, webContextPath: b.webContextPath };
}

/** The master biz (the base itself) as `BizHealthMeta`: always `activated`, context path `/`. */
export function masterBizHealthMetaJson(m: MasterBizInfo): BizHealthMetaJson {
  return { bizName: m.bizName, bizState: 'activated', bizVersion: m.bizVersion, webContextPath: '/' };
}
