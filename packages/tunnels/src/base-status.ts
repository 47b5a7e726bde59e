/**
 * `BaseMetadata` / `BaseStatus`: what a base announces to ModuleController v2 (docs/reference/module-controller.md
 * § BaseStatus and BaseMetadata). Keys are written in alphabetical order, as the Java Arklet's
 * fastjson writes them; ModuleController decodes them by name, so the order is cosmetic.
 *
 * How ModuleController uses each field: `identity` → Node `vnode.<identity>.<env>` (so it must be a
 * DNS-subdomain piece); `name`/`version`/`clusterName` → node labels `base.koupleless.io/*`; `localIP` →
 * the address the controller calls back (and every module pod's `podIP`); `localHostName` → node
 * hostname (in Kubernetes: the base pod name, for `kubectl logs` through the kubelet proxy); `port` → the
 * Arklet port it calls; `state` → `activated` keeps the vnode alive, anything else deletes it.
 */
import { hostname, networkInterfaces } from 'node:os';
import { nonBlank } from './kit.js';

/** `BaseMetadata` (Java `BaseMetadata`, Go `model.BaseMetadata`). */
export interface BaseMetadata {
  clusterName: string;
  identity: string;
  name: string;
  version: string;
}

/** The base states a heartbeat carries. Java only ever sends `activated`; `deactivated` ends the vnode at once. */
export type BaseState = 'activated' | 'deactivated';

/** `BaseStatus`: the heartbeat payload (HTTP body, and the `data` of the MQTT `base/heart` envelope). */
export interface BaseStatus {
  baseMetadata: BaseMetadata;
  localHostName: string;
  localIP: string;
  port: number;
  state: BaseState;
}

/** How a base describes itself; every member has a default. Shared by the HTTP heartbeat and the MQTT tunnel. */
export interface BaseInfoOptions {
  /**
   * `baseMetadata.identity`, stable for the process. Default: the Arklet's `baseIdentity` (which itself
   * defaults to the first non-internal IPv4 address, like Java). Made DNS-safe by {@link dnsSafeIdentity}.
   */
  identity?: string;
  /** `baseMetadata.name` (node label `base.koupleless.io/name`). Default `nodeark-base`. */
  name?: string;
  /** `baseMetadata.version` (node label `base.koupleless.io/version`). Default `1.0.0`. */
  version?: string;
  /** `baseMetadata.clusterName` (node label `base.koupleless.io/cluster-name`). Default `default` (Java). */
  clusterName?: string;
  /**
   * `localIP`: must be reachable from the controller (in Kubernetes: `status.podIP`). Default {@link detectLocalIP}.
   */
  localIP?: string;
  /** `localHostName` (in Kubernetes: the pod name, `metadata.name`). Default `os.hostname()`. */
  localHostName?: string;
}

/** Java `BaseMetadataHookImpl` default cluster name. */
export const DEFAULT_CLUSTER_NAME = 'default';
/** Default `baseMetadata.name` (the default `spring.application.name` of a nodeark base). */
export const DEFAULT_BASE_NAME = 'nodeark-base';
/** Default `baseMetadata.version` (the default `nodeark.base.version`). */
export const DEFAULT_BASE_VERSION = '1.0.0';

/**
 * The first non-internal IPv4 address of `os.networkInterfaces()` (Java takes a non-loopback IPv4 address),
 * else `127.0.0.1`. Java falls back to `"unknown"`, which the controller cannot call back; loopback at
 * least works when the controller runs on the same host.
 */
export function detectLocalIP(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (!a.internal && (a.family === 'IPv4' || (a.family as unknown) === 4)) return a.address;
    }
  }
  return '127.0.0.1';
}

/** `os.hostname()` (in a Kubernetes pod: the pod name, unless `spec.hostname` overrides it). */
export function detectLocalHostName(): string {
  return hostname();
}

const MAX_LABEL = 63;
/** Longest identity kept: `vnode.<identity>.<env>` must stay within the 253 characters of a DNS subdomain. */
export const MAX_IDENTITY_LENGTH = 200;

/**
 * Makes `raw` usable as the `<identity>` of the Node name `vnode.<identity>.<env>` (a DNS subdomain,
 * docs/reference/module-controller.md § Base identity): lower-cased; every character outside `[a-z0-9.-]`
 * becomes `-`; each dot-separated label is trimmed of leading/trailing `-` and cut to 63 characters; empty labels are
 * dropped; the whole is cut to {@link MAX_IDENTITY_LENGTH}. An IPv4 address or a pod name is unchanged.
 * Returns `''` when nothing usable is left.
 */
export function dnsSafeIdentity(raw: string): string {
  const labels = raw
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .split('.')
    .map((l) => l.replace(/^-+|-+$/g, '').slice(0, MAX_LABEL).replace(/-+$/g, ''))
    .filter((l) => l.length > 0);
  let out = labels.join('.');
  if (out.length > MAX_IDENTITY_LENGTH) out = out.slice(0, MAX_IDENTITY_LENGTH).replace(/[.-]+$/g, '');
  return out;
}

/** True when `s` is already DNS-safe (`dnsSafeIdentity(s) === s` and non-empty). */
export function isDnsSafeIdentity(s: string): boolean {
  return s.length > 0 && dnsSafeIdentity(s) === s;
}

/** `BaseMetadata` with defaults (the identity is used as given: resolve it first, see {@link resolveBaseInfo}). */
export function baseMetadata(options: BaseInfoOptions & { identity: string }): BaseMetadata {
  return {
    clusterName: nonBlank(options.clusterName) ?? DEFAULT_CLUSTER_NAME,
    identity: options.identity,
    name: nonBlank(options.name) ?? DEFAULT_BASE_NAME,
    version: nonBlank(options.version) ?? DEFAULT_BASE_VERSION,
  };
}

/** Inputs of {@link baseStatus}. */
export interface BaseStatusInput {
  baseMetadata: BaseMetadata;
  localIP: string;
  localHostName: string;
  /** The Arklet port the controller calls (HTTP tunnel); Java's MQTT tunnel sends 0. */
  port: number;
}

/** A `BaseStatus` heartbeat payload in the given state (Java writes states lowercase: `activated`). */
export function baseStatus(input: BaseStatusInput, state: BaseState = 'activated'): BaseStatus {
  return {
    baseMetadata: { ...input.baseMetadata },
    localHostName: input.localHostName,
    localIP: input.localIP,
    port: Math.trunc(input.port),
    state,
  };
}

/** Everything a tunnel announces, resolved once at start (the identity is stable for the process). */
export interface ResolvedBaseInfo {
  baseMetadata: BaseMetadata;
  localIP: string;
  localHostName: string;
  /** Set when the configured identity was not DNS-safe and was rewritten: `{from, to}`. */
  identityRewritten?: { from: string; to: string };
}

/**
 * Resolves {@link BaseInfoOptions} against the Arklet's `baseIdentity`: identity (DNS-safe; an identity
 * that sanitises to nothing becomes `nodeark-<ip with dashes>`), metadata defaults, local IP and host name.
 */
export function resolveBaseInfo(options: BaseInfoOptions, arkletBaseIdentity: string | undefined): ResolvedBaseInfo {
  const localIP = nonBlank(options.localIP) ?? detectLocalIP();
  const localHostName = nonBlank(options.localHostName) ?? detectLocalHostName();
  const wanted = nonBlank(options.identity) ?? nonBlank(arkletBaseIdentity) ?? localIP;
  let identity = dnsSafeIdentity(wanted);
  if (identity === '') identity = `nodeark-${dnsSafeIdentity(localIP).replace(/\./g, '-') || 'base'}`;
  const out: ResolvedBaseInfo = { baseMetadata: baseMetadata({ ...options, identity }), localIP, localHostName };
  if (identity !== wanted) out.identityRewritten = { from: wanted, to: identity };
  return out;
}

/** The envelope of everything a base publishes over MQTT (Java `MqttResponse`): `{data, publishTimestamp}`. */
export interface MqttEnvelope<T> {
  data: T;
  publishTimestamp: number;
}

/** Wraps `data` in the MQTT envelope with the current time (epoch ms). */
export function mqttEnvelope<T>(data: T, now: number = Date.now()): MqttEnvelope<T> {
  return { data, publishTimestamp: Math.trunc(now) };
}

/**
 * What a tunnel announces: the resolved base metadata and its `BaseStatus` in a given state. A configured
 * identity that is not DNS-safe is rewritten, and `logger` is told that `what` announces the rewritten one.
 */
export function announcedBase(
  options: BaseInfoOptions,
  arkletBaseIdentity: string | undefined,
  port: number,
  logger: { warn(obj: object, msg?: string): void },
  what: string,
): { meta: BaseMetadata; statusOf: (state: BaseState) => BaseStatus } {
  const info = resolveBaseInfo(options, arkletBaseIdentity);
  if (info.identityRewritten) {
    logger.warn(info.identityRewritten, `base identity is not DNS-safe; ${what} the rewritten identity`);
  }
  const meta = info.baseMetadata;
  const statusOf = (state: BaseState): BaseStatus =>
    baseStatus({ baseMetadata: meta, localIP: info.localIP, localHostName: info.localHostName, port }, state);
  return { meta, statusOf };
}
