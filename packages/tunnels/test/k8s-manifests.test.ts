/**
 * Offline validation of `examples/k8s/*.yaml` (a schema check, NOT a cluster run): every document parses;
 * apiVersion/kind are known; the required fields of each kind are present with the right types; names,
 * labels, ports and env values are valid; selectors match template labels; references (Services →
 * pods and ports, bindings → roles and accounts) resolve; probe paths are real nodeark endpoints (checked
 * against a real base started from the manifest's own environment); every env name of the base maps to a
 * nodeark configuration key; module workloads follow the ModuleController v2 conventions
 * (docs/kubernetes.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ACTUATOR_CONFIG_SCHEMA, CONFIG_SCHEMA, createBase } from 'nodeark';
import { TUNNEL_CONFIG_KEYS } from '@nodeark/tunnels';
import { tempDir } from './harness.js';

const DIR = fileURLToPath(new URL('../../../examples/k8s/', import.meta.url));

type Obj = Record<string, any>;
interface Doc {
  file: string;
  obj: Obj;
}

const KNOWN: Record<string, string[]> = {
  v1: ['Pod', 'Service', 'ServiceAccount', 'ConfigMap', 'Secret', 'Namespace'],
  'apps/v1': ['Deployment', 'DaemonSet', 'StatefulSet'],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'networking.k8s.io/v1': ['NetworkPolicy'],
};
const WORKLOADS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/; // IANA_SVC_NAME: ≤ 15, at least one letter
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function load(): Doc[] {
  const docs: Doc[] = [];
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
  expect(files.length).toBeGreaterThanOrEqual(5);
  for (const file of files) {
    for (const d of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      expect(d.errors.map((e) => `${file}: ${e.message}`)).toEqual([]);
      expect(d.warnings.map((e) => `${file}: ${e.message}`)).toEqual([]);
      const obj = d.toJS() as Obj | null;
      if (obj !== null) docs.push({ file, obj });
    }
  }
  return docs;
}

const docs = load();
const byKind = (kind: string): Doc[] => docs.filter((d) => d.obj['kind'] === kind);
const named = (kind: string, name: string): Doc | undefined => byKind(kind).find((d) => d.obj['metadata']['name'] === name);
const where = (d: Doc): string => `${d.file} ${d.obj['kind']}/${d.obj['metadata']?.['name']}`;

/** The pod template (or pod spec) of a Pod or workload, with its labels. */
function podOf(d: Doc): { labels: Record<string, string>; spec: Obj } | undefined {
  if (d.obj['kind'] === 'Pod') return { labels: d.obj['metadata']['labels'] ?? {}, spec: d.obj['spec'] };
  if (WORKLOADS.has(d.obj['kind'])) return { labels: d.obj['spec']['template']['metadata']?.['labels'] ?? {}, spec: d.obj['spec']['template']['spec'] };
  return undefined;
}
const pods = docs.flatMap((d) => {
  const p = podOf(d);
  return p ? [{ doc: d, ...p }] : [];
});
const isModule = (labels: Record<string, string>): boolean => labels['virtual-kubelet.koupleless.io/component'] === 'module';

function checkLabels(where: string, labels: unknown): void {
  if (labels === undefined) return;
  expect(typeof labels, where).toBe('object');
  for (const [k, v] of Object.entries(labels as Obj)) {
    const [prefix, name] = k.includes('/') ? k.split('/') : [undefined, k];
    if (prefix !== undefined) expect(prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix), `${where}: label prefix ${k}`).toBe(true);
    expect(name!.length <= 63 && LABEL_NAME.test(name!), `${where}: label name ${k}`).toBe(true);
    expect(typeof v, `${where}: label ${k} must be a string (quote it)`).toBe('string');
    expect((v as string).length <= 63 && LABEL_VALUE.test(v as string), `${where}: label value ${k}=${String(v)}`).toBe(true);
  }
}

function checkPodSpec(where: string, spec: Obj): void {
  expect(Array.isArray(spec['containers']) && spec['containers'].length > 0, `${where}: containers`).toBe(true);
  const names = new Set<string>();
  for (const c of spec['containers'] as Obj[]) {
    const at = `${where} container ${c['name']}`;
    expect(typeof c['name'] === 'string' && c['name'].length <= 63 && DNS_LABEL.test(c['name']), `${at}: name`).toBe(true);
    expect(names.has(c['name']), `${at}: duplicate name`).toBe(false);
    names.add(c['name']);
    expect(typeof c['image'] === 'string' && c['image'].length > 0, `${at}: image`).toBe(true);
    const portNames = new Set<string>();
    for (const p of (c['ports'] ?? []) as Obj[]) {
      expect(Number.isInteger(p['containerPort']) && p['containerPort'] > 0 && p['containerPort'] < 65536, `${at}: containerPort ${p['containerPort']}`).toBe(true);
      if (p['name'] !== undefined) {
        expect(PORT_NAME.test(p['name']) && p['name'].length <= 15 && /[a-z]/.test(p['name']), `${at}: port name ${p['name']}`).toBe(true);
        expect(portNames.has(p['name']), `${at}: duplicate port name`).toBe(false);
        portNames.add(p['name']);
      }
    }
    for (const e of (c['env'] ?? []) as Obj[]) {
      expect(ENV_NAME.test(e['name']), `${at}: env name ${e['name']}`).toBe(true);
      const hasValue = 'value' in e;
      expect(hasValue !== ('valueFrom' in e), `${at}: env ${e['name']} needs exactly one of value/valueFrom`).toBe(true);
      if (hasValue) expect(typeof e['value'], `${at}: env ${e['name']} value must be a string (quote numbers and booleans)`).toBe('string');
      else expect(typeof e['valueFrom']['fieldRef']?.['fieldPath'] === 'string' || typeof e['valueFrom'] === 'object', `${at}: env ${e['name']} valueFrom`).toBe(true);
    }
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const g = c[probe]?.['httpGet'];
      if (!g) continue;
      expect(typeof g['path'] === 'string' && g['path'].startsWith('/'), `${at}: ${probe} path`).toBe(true);
      const port = g['port'];
      expect(Number.isInteger(port) ? true : portNames.has(port), `${at}: ${probe} port ${port} must be a number or a declared port name`).toBe(true);
    }
    for (const m of (c['volumeMounts'] ?? []) as Obj[]) {
      expect(((spec['volumes'] ?? []) as Obj[]).some((v) => v['name'] === m['name']), `${at}: volumeMount ${m['name']} has no volume`).toBe(true);
    }
  }
  for (const t of (spec['tolerations'] ?? []) as Obj[]) {
    expect(['Equal', 'Exists', undefined], `${where}: toleration operator`).toContain(t['operator']);
    expect(['NoExecute', 'NoSchedule', 'PreferNoSchedule', undefined], `${where}: toleration effect`).toContain(t['effect']);
    if (t['value'] !== undefined) expect(typeof t['value'], `${where}: toleration value must be a string`).toBe('string');
  }
  if (spec['nodeSelector']) checkLabels(`${where} nodeSelector`, spec['nodeSelector']);
}

function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Spring relaxed environment names of a key, as the nodeark loader builds them. */
function envNames(key: string): string[] {
  return [key.replace(/\./g, '_').replace(/-/g, '').toUpperCase(), key.replace(/[.-]/g, '_').toUpperCase()];
}

function containerEnv(c: Obj): Record<string, Obj> {
  return Object.fromEntries(((c['env'] ?? []) as Obj[]).map((e) => [e['name'], e]));
}

describe('examples/k8s manifests (offline schema check, not a cluster)', () => {
  it('every document has a known apiVersion/kind, a valid name and valid labels', () => {
    expect(docs.length).toBeGreaterThanOrEqual(10);
    for (const d of docs) {
      const { apiVersion, kind, metadata } = d.obj;
      expect(KNOWN[apiVersion as string], `${d.file}: unknown apiVersion ${apiVersion}`).toBeDefined();
      expect(KNOWN[apiVersion as string], `${d.file}: ${kind} is not a kind of ${apiVersion}`).toContain(kind);
      expect(typeof metadata?.['name'] === 'string' && metadata['name'].length <= 253 && DNS_SUBDOMAIN.test(metadata['name']), `${where(d)}: metadata.name`).toBe(true);
      checkLabels(where(d), metadata['labels']);
    }
  });

  it('pods and workloads: containers, ports, env, probes, volumes; selectors match template labels', () => {
    for (const p of pods) checkPodSpec(where(p.doc), p.spec);
    for (const d of docs.filter((x) => WORKLOADS.has(x.obj['kind']))) {
      const spec = d.obj['spec'];
      if (spec['replicas'] !== undefined) expect(Number.isInteger(spec['replicas']) && spec['replicas'] >= 0, `${where(d)}: replicas`).toBe(true);
      const sel = spec['selector']?.['matchLabels'];
      expect(sel && Object.keys(sel).length > 0, `${where(d)}: spec.selector.matchLabels`).toBeTruthy();
      checkLabels(`${where(d)} selector`, sel);
      checkLabels(`${where(d)} template`, spec['template']['metadata']?.['labels']);
      expect(selectorMatches(sel, spec['template']['metadata']['labels']), `${where(d)}: selector must match the template labels`).toBe(true);
    }
  });

  it('Services select existing pods and target declared ports; RBAC references resolve', () => {
    for (const s of byKind('Service')) {
      const sel = s.obj['spec']['selector'] as Record<string, string>;
      const targets = pods.filter((p) => selectorMatches(sel, p.labels));
      expect(targets.length, `${where(s)}: selector ${JSON.stringify(sel)} matches no pod template`).toBeGreaterThan(0);
      for (const port of s.obj['spec']['ports'] as Obj[]) {
        expect(Number.isInteger(port['port']) && port['port'] > 0 && port['port'] < 65536, `${where(s)}: port`).toBe(true);
        const tp = port['targetPort'] ?? port['port'];
        const declared = targets.flatMap((p) => (p.spec['containers'] as Obj[]).flatMap((c) => (c['ports'] ?? []) as Obj[]));
        const ok = Number.isInteger(tp) ? declared.some((d) => d['containerPort'] === tp) : declared.some((d) => d['name'] === tp);
        expect(ok, `${where(s)}: targetPort ${tp} is not a port of the selected pods`).toBe(true);
      }
    }
    for (const b of byKind('ClusterRoleBinding')) {
      expect(named('ClusterRole', b.obj['roleRef']['name']), `${where(b)}: roleRef`).toBeDefined();
      for (const s of b.obj['subjects'] as Obj[]) {
        if (s['kind'] === 'ServiceAccount') expect(named('ServiceAccount', s['name']), `${where(b)}: subject ${s['name']}`).toBeDefined();
      }
    }
    for (const r of byKind('ClusterRole')) {
      for (const rule of r.obj['rules'] as Obj[]) {
        expect(Array.isArray(rule['apiGroups']) && Array.isArray(rule['resources']) && Array.isArray(rule['verbs']), `${where(r)}: rule`).toBe(true);
      }
    }
    for (const p of pods) {
      const sa = p.spec['serviceAccountName'];
      if (sa) expect(named('ServiceAccount', sa), `${where(p.doc)}: serviceAccountName ${sa}`).toBeDefined();
    }
  });

  it('NetworkPolicies select existing pods and open declared ports; the Arklet port is reachable by the module-controller', () => {
    const ports = (labels: Record<string, string>): number[] =>
      pods.filter((p) => selectorMatches(labels, p.labels)).flatMap((p) => (p.spec['containers'] as Obj[]).flatMap((c) => ((c['ports'] ?? []) as Obj[]).map((x) => x['containerPort'] as number)));
    for (const np of byKind('NetworkPolicy')) {
      const sel = np.obj['spec']['podSelector']['matchLabels'] as Record<string, string>;
      const declared = ports(sel);
      expect(declared.length, `${where(np)}: podSelector matches no pod template`).toBeGreaterThan(0);
      for (const rule of np.obj['spec']['ingress'] as Obj[]) {
        for (const p of (rule['ports'] ?? []) as Obj[]) expect(declared, `${where(np)}: port ${p['port']}`).toContain(p['port']);
        for (const f of (rule['from'] ?? []) as Obj[]) {
          expect(pods.some((p) => selectorMatches(f['podSelector']['matchLabels'], p.labels)), `${where(np)}: from selector`).toBe(true);
        }
      }
    }
    const np = named('NetworkPolicy', 'nodeark-base-arklet')!;
    const mcLabels = named('Deployment', 'module-controller')!.obj['spec']['template']['metadata']['labels'];
    const arkletRule = (np.obj['spec']['ingress'] as Obj[]).find((r) => (r['ports'] as Obj[]).some((p) => p['port'] === 1238))!;
    expect(selectorMatches(arkletRule['from'][0]['podSelector']['matchLabels'], mcLabels)).toBe(true);
  });

  it('the module-controller runs the HTTP tunnel on 7777 with ENV, and the bases heartbeat to its Service', () => {
    const mcDoc = named('Deployment', 'module-controller')!;
    const mc = mcDoc.obj['spec']['template']['spec']['containers'][0] as Obj;
    const env = containerEnv(mc);
    expect(env['ENABLE_HTTP_TUNNEL']!['value']).toBe('true');
    expect(mc['ports'].find((p: Obj) => p['name'] === 'httptunnel')['containerPort']).toBe(Number(env['HTTP_TUNNEL_LISTEN_PORT']?.['value'] ?? '7777'));
    expect(env['CLIENT_ID']!['valueFrom']['fieldRef']['fieldPath']).toBe('metadata.name');
    const svc = named('Service', 'module-controller')!;
    const svcPort = (svc.obj['spec']['ports'] as Obj[]).find((p) => p['targetPort'] === 'httptunnel')!['port'];
    const base = named('Deployment', 'nodeark-base')!.obj['spec']['template']['spec']['containers'][0] as Obj;
    const endpoint = containerEnv(base)['KOUPLELESS_ARKLET_HTTP_HEARTBEAT_ENDPOINT']!['value'] as string;
    expect(new URL(endpoint).protocol).toBe('http:'); // the scheme is required
    expect(new URL(endpoint).hostname).toBe('module-controller');
    expect(Number(new URL(endpoint).port)).toBe(svcPort);
  });

  it('the base: Arklet and server ports declared, identity/IP from the downward API, every env name is a nodeark key', () => {
    const base = named('Deployment', 'nodeark-base')!.obj['spec']['template']['spec']['containers'][0] as Obj;
    const env = containerEnv(base);
    const ports = Object.fromEntries((base['ports'] as Obj[]).map((p) => [p['name'], p['containerPort']]));
    expect(ports['arklet']).toBe(Number(env['KOUPLELESS_ARKLET_HTTP_PORT']!['value']));
    expect(ports['http']).toBe(Number(env['SERVER_PORT']!['value']));
    expect(env['KOUPLELESS_ARKLET_BASE_LOCALIP']!['valueFrom']['fieldRef']['fieldPath']).toBe('status.podIP');
    expect(env['KOUPLELESS_ARKLET_BASE_LOCALHOSTNAME']!['valueFrom']['fieldRef']['fieldPath']).toBe('metadata.name');
    expect(env['KOUPLELESS_ARKLET_BASE_IDENTITY']!['valueFrom']['fieldRef']['fieldPath']).toBe('metadata.name');
    const known = new Map<string, string>();
    for (const key of [...Object.keys(CONFIG_SCHEMA), ...Object.keys(ACTUATOR_CONFIG_SCHEMA), ...Object.keys(TUNNEL_CONFIG_KEYS)]) {
      for (const n of envNames(key)) known.set(n, key);
    }
    for (const name of Object.keys(env)) expect(known.get(name), `env ${name} is not the relaxed name of any nodeark configuration key`).toBeDefined();
  });

  it('the base probes hit real endpoints: a base started from the manifest environment answers them 200', async () => {
    const baseDoc = named('Deployment', 'nodeark-base')!;
    const c = baseDoc.obj['spec']['template']['spec']['containers'][0] as Obj;
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => c[p]?.['httpGet']).filter(Boolean) as Obj[];
    expect(probes.map((g) => g['path']).sort()).toEqual(['/actuator/health/liveness', '/actuator/health/liveness', '/actuator/health/readiness']);
    for (const g of probes) expect(g['port']).toBe('http');
    // The manifest's environment, with the downward-API values filled in as the kubelet would.
    const env: Record<string, string> = {};
    for (const e of c['env'] as Obj[]) {
      const path = e['valueFrom']?.['fieldRef']?.['fieldPath'];
      env[e['name']] = path === 'status.podIP' ? '127.0.0.1' : path === 'metadata.name' ? 'nodeark-base-5d9f7-abcde' : e['value'];
    }
    const tmp = await tempDir('k8s');
    const base = await createBase({
      env,
      // Only what a test must change: ephemeral ports on loopback, a temp store, no logs, no controller.
      argv: [
        '--server.port=0',
        '--server.address=127.0.0.1',
        '--koupleless.arklet.http.port=0',
        '--koupleless.arklet.http.address=127.0.0.1',
        `--nodeark.store.dir=${join(tmp.dir, 'store')}`,
        '--logging.level.root=silent',
        '--koupleless.arklet.http.heartbeat.endpoint=http://127.0.0.1:9',
      ],
    });
    try {
      const { url } = await base.listen();
      for (const g of probes) {
        const res = await fetch(`${url}${g['path']}`);
        expect(res.status, `${g['path']}`).toBe(200);
        expect(await res.json()).toMatchObject({ status: 'UP' });
      }
      expect((await fetch(`${url}/actuator/health/nothing`)).status).toBe(404); // the check can fail
      expect(base.config.get('spring.application.name')).toBe('nodeark-base');
      expect(base.arklet!.baseIdentity).toBe('nodeark-base-5d9f7-abcde');
    } finally {
      await base.close();
      await tmp.cleanup();
    }
  });

  it('module pods and Deployments follow the v2 conventions: label, .jar image, literal BIZ_VERSION, tolerations, base selection, no CPU requests', () => {
    const mcEnv = containerEnv(named('Deployment', 'module-controller')!.obj['spec']['template']['spec']['containers'][0]);
    const ENV = mcEnv['ENV']!['value'] as string;
    const baseEnv = containerEnv(named('Deployment', 'nodeark-base')!.obj['spec']['template']['spec']['containers'][0]);
    const baseName = baseEnv['SPRING_APPLICATION_NAME']!['value'];
    const cluster = baseEnv['KOUPLELESS_ARKLET_BASE_CLUSTERNAME']!['value'];
    const modules = pods.filter((p) => isModule(p.labels));
    expect(modules.map((m) => m.doc.obj['kind']).sort()).toEqual(['Deployment', 'Pod']);
    for (const m of modules) {
      const at = where(m.doc);
      for (const c of m.spec['containers'] as Obj[]) {
        expect(c['image'], `${at}: image must contain .jar (§1.5)`).toContain('.jar');
        const v = ((c['env'] ?? []) as Obj[]).find((e) => e['name'] === 'BIZ_VERSION');
        expect(typeof v?.['value'] === 'string' && v['value'].length > 0, `${at}: literal BIZ_VERSION`).toBe(true);
        expect(c['resources']?.['requests']?.['cpu'], `${at}: no CPU requests on vnodes`).toBeUndefined();
      }
      const tol = (m.spec['tolerations'] ?? []) as Obj[];
      expect(tol).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'schedule.koupleless.io/virtual-node', value: 'True', effect: 'NoExecute' }),
          expect.objectContaining({ key: 'schedule.koupleless.io/node-env', value: ENV, effect: 'NoExecute' }),
        ]),
      );
      // Selects nodeark vnodes by the labels the heartbeat sets
      // (docs/reference/module-controller.md § The virtual node).
      const sel = m.spec['nodeSelector'] as Record<string, string> | undefined;
      const terms = m.spec['affinity']?.['nodeAffinity']?.['requiredDuringSchedulingIgnoredDuringExecution']?.['nodeSelectorTerms'] as Obj[] | undefined;
      const wanted = (key: string): string | undefined =>
        sel?.[key] ?? terms?.flatMap((t) => t['matchExpressions'] as Obj[]).find((e) => e['key'] === key && e['operator'] === 'In')?.['values']?.[0];
      expect(wanted('base.koupleless.io/name'), `${at}: selects base.koupleless.io/name`).toBe(baseName);
      expect(wanted('base.koupleless.io/cluster-name'), `${at}: selects the cluster`).toBe(cluster);
    }
    // One replica per base: required anti-affinity on the vnode hostname, matching the module's own pods.
    const dep = modules.find((m) => m.doc.obj['kind'] === 'Deployment')!;
    const anti = dep.spec['affinity']['podAntiAffinity']['requiredDuringSchedulingIgnoredDuringExecution'] as Obj[];
    expect(anti.some((a) => a['topologyKey'] === 'kubernetes.io/hostname' && selectorMatches(a['labelSelector']['matchLabels'], dep.labels))).toBe(true);
    // Baseline (docs/reference/module-controller.md § Baseline): the Deployment carries the env label and the
    // cluster name.
    const depMeta = dep.doc.obj['metadata']['labels'];
    expect(depMeta['virtual-kubelet.koupleless.io/env']).toBe(ENV);
    expect(depMeta['base.koupleless.io/cluster-name']).toBe(cluster);
  });
});
