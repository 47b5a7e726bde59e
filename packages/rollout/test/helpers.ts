/** Builders shared by the planner unit tests: observations and ModuleDeployments in a few words. */
import type { BizState } from '@nodeark/client';
import { parseModuleDeployment, type FleetObservation, type ModuleDeployment, type ObservedBiz } from '@nodeark/rollout';

export interface BaseSpec {
  /** Other modules on the base (counted for placement). */
  count?: number;
  /** Versions of `provider` on the base: `'1.0.0'` (activated) or `[['1.0.0','activated'],['2.0.0','deactivated']]`. */
  provider?: string | [string, BizState][];
  /** Another module name than provider to place (`module-01` in the v1 unit tests). */
  module?: string;
  max?: number;
  down?: boolean;
  cordon?: boolean;
  labels?: Record<string, string>;
}

/** An observation of bases named as given (`{b1: {count: 2}, b2: {}}`). */
export function obs(bases: Record<string, BaseSpec>, observedAt = 1_000_000): FleetObservation {
  return {
    observedAt,
    bases: Object.entries(bases).map(([name, s], i) => {
      const bizs: ObservedBiz[] = [];
      for (let j = 0; j < (s.count ?? 0); j++) bizs.push({ bizName: `other-${j}`, bizVersion: '1', bizState: 'activated' });
      const versions: [string, BizState][] = typeof s.provider === 'string' ? [[s.provider, 'activated']] : (s.provider ?? []);
      for (const [v, st] of versions) bizs.push({ bizName: s.module ?? 'provider', bizVersion: v, bizState: st });
      return {
        name,
        arkletUrl: `http://10.0.0.${i + 1}:1238/`,
        labels: s.labels ?? {},
        ...(s.max !== undefined ? { maxModuleCount: s.max } : {}),
        ...(s.cordon ? { cordon: true } : {}),
        reachable: !s.down,
        ...(s.down ? { error: 'Cannot reach the Arklet [NODEARK_ERR_CLIENT_CONNECT]' } : {}),
        bizs: s.down ? [] : bizs,
      };
    }),
  };
}

export interface MdSpec {
  name?: string;
  version?: string;
  url?: string;
  replicas: number;
  batchCount?: number;
  useBeta?: boolean;
  needConfirm?: boolean;
  gray?: number;
  upgradePolicy?: string;
  schedulingPolicy?: string;
  selector?: Record<string, string>;
  service?: { enableModuleService: boolean; port?: number; targetPort?: number | string };
}

/** A ModuleDeployment through the real parser. */
export function md(s: MdSpec): ModuleDeployment {
  return parseModuleDeployment({
    apiVersion: 'koupleless.io/v1alpha1',
    kind: 'ModuleDeployment',
    metadata: { name: `${s.name ?? 'provider'}-md` },
    spec: {
      replicas: s.replicas,
      ...(s.selector ? { selector: { matchLabels: s.selector } } : {}),
      template: { spec: { module: { name: s.name ?? 'provider', version: s.version ?? '1.0.0', url: s.url ?? 'http://repo/provider.tgz' } } },
      operationStrategy: {
        batchCount: s.batchCount ?? 1,
        useBeta: s.useBeta ?? false,
        needConfirm: s.needConfirm ?? false,
        grayTimeBetweenBatchSeconds: s.gray ?? 0,
        ...(s.upgradePolicy ? { upgradePolicy: s.upgradePolicy } : {}),
        ...(s.service ? { serviceStrategy: s.service } : {}),
      },
      schedulingStrategy: { schedulingPolicy: s.schedulingPolicy ?? 'scatter' },
    },
  });
}
