/**
 * Every configuration key nodeark reads, with its type, default and description. Names are the
 * Koupleless/Spring ones where one exists. `docs/configuration.md` mirrors
 * this table; `nodeark start --help-config` prints it.
 */

import { ACTUATOR_PROPERTIES, ACTUATOR_PROPERTY_PATTERNS, DEFAULT_ACTUATOR_CONFIG } from '@nodeark/actuator';
import { TUNNEL_CONFIG_KEYS } from '@nodeark/tunnels';

/** Value kinds a key can have (`raw`: passed through as given, validated by the package that owns it). */
export type ConfigKind = 'string' | 'int' | 'port' | 'bool' | 'duration' | 'bytes' | 'list' | 'enum' | 'raw';

/** One key's definition. */
export interface ConfigKeyDef {
  kind: ConfigKind;
  default: string | number | boolean | string[] | undefined;
  description: string;
  /** Allowed values for `enum`. */
  values?: readonly string[];
  /** Inclusive minimum for numbers. */
  min?: number;
  /** Default shown in the docs when it is applied by another package rather than by the loader. */
  docDefault?: unknown;
}

/** Every fixed key. */
export const CONFIG_SCHEMA = {
  'server.port': { kind: 'port', default: 8080, description: 'The base HTTP port (modules and /actuator).' },
  'server.address': { kind: 'string', default: '0.0.0.0', description: 'Bind address of the base HTTP port.' },
  'spring.application.name': { kind: 'string', default: 'nodeark-base', description: 'The base (master biz) name.' },
  'nodeark.base.version': { kind: 'string', default: '1.0.0', description: 'The base (master biz) version.' },
  'koupleless.arklet.http.port': {
    kind: 'port',
    default: 1238,
    description: 'Arklet API port. When not set explicitly, the first free port in 1238..1337 is used.',
  },
  'koupleless.arklet.http.host': {
    kind: 'string',
    default: undefined,
    docDefault: '0.0.0.0',
    description:
      'Bind address of the Arklet API. Default 0.0.0.0, because ModuleController must reach it: set a token or 127.0.0.1 (docs/security.md).',
  },
  'koupleless.arklet.http.address': {
    kind: 'string',
    default: undefined,
    description: 'Older name of `koupleless.arklet.http.host`, still accepted; `host` wins when both are set.',
  },
  'koupleless.arklet.base.identity': {
    kind: 'string',
    default: undefined,
    description: 'The `baseIdentity` in Arklet responses. Default: the first non-internal IPv4 address, else the host name.',
  },
  'nodeark.arklet.auth.token': {
    kind: 'string',
    default: undefined,
    description: 'Require `Authorization: Bearer <token>` on the Arklet API. Unset: no authentication (what ModuleController expects).',
  },
  'koupleless.healthcheck.base.readiness.withAllBizReadiness': {
    kind: 'bool',
    default: false,
    description: 'Readiness waits for every module to be up (docs/health.md).',
  },
  'com.alipay.sofa.ark.static.biz.dir': {
    kind: 'string',
    default: undefined,
    description: 'Directory of modules installed at startup, lower `priority` first: each entry a module directory or archive.',
  },
  'nodeark.store.dir': { kind: 'string', default: '.nodeark/store', description: 'Where bundles are unpacked (`<dir>/<bizName>/<bizVersion>`).' },
  'nodeark.base.node-modules': {
    kind: 'string',
    default: undefined,
    description: 'The base node_modules that modules fall back to for bare imports. Default: the nearest one above the cwd. `none` disables.',
  },
  'nodeark.biz.start-timeout': { kind: 'duration', default: 60_000, description: 'Bound on a module import + `start(ctx)` (ms, or `30s`).' },
  'nodeark.biz.stop-timeout': { kind: 'duration', default: 10_000, description: 'Bound on a module `stop(ctx)`.' },
  'nodeark.biz.drain-timeout': { kind: 'duration', default: 10_000, description: 'Bound on waiting for in-flight requests before stopping a module.' },
  'nodeark.biz.request-timeout': {
    kind: 'duration',
    default: 30_000,
    description: 'No response head (or upgrade answer) from a module within it: 504 at the edge; 0 disables. A response whose head is out is never cut by it.',
  },
  'nodeark.biz.idle-timeout': {
    kind: 'duration',
    default: 0,
    description: 'Close a streamed response or upgraded connection (WebSocket) quiet for this long in both directions; 0 (default) never does.',
  },
  'nodeark.biz.trust-proxy': {
    kind: 'bool',
    default: false,
    description: 'Extend the client\'s `x-forwarded-for/-proto/-host/-prefix` (a trusted proxy in front of the base) instead of replacing them.',
  },
  'nodeark.biz.reserved-paths': {
    kind: 'list',
    default: [],
    description:
      'Path prefixes no module may take as its webContextPath (comma-separated, `admin,internal`), besides the actuator base path, the host app\'s routes and other modules\' paths, which are always refused.',
  },
  'nodeark.biz.health-timeout': { kind: 'duration', default: 3_000, description: 'Per-indicator timeout inside a module.' },
  'nodeark.biz.keep-broken': {
    kind: 'bool',
    default: false,
    description: 'Keep a module that failed to start as `broken` instead of removing it (sofa.ark.auto.uninstall.when.failed.enable=false).',
  },
  'nodeark.biz.log-level': { kind: 'enum', default: 'info', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], description: 'Level of module loggers (`ctx.logger`).' },
  'nodeark.biz.child-processes': {
    kind: 'enum',
    default: 'track',
    values: ['track', 'deny'],
    description: 'Child processes spawned by modules: `track` (ended when the module stops or dies) or `deny` (spawning throws).',
  },
  'nodeark.watchdog.interval': { kind: 'duration', default: 1000, description: 'Event-loop watchdog sampling period; 0 disables the watchdog.' },
  'nodeark.watchdog.max-event-loop-utilization': {
    kind: 'int',
    default: 98,
    min: 1,
    description: 'Percent event-loop utilisation of a module worker above which a sample counts as stuck.',
  },
  'nodeark.watchdog.max-unhealthy-checks': { kind: 'int', default: 10, min: 1, description: 'Consecutive stuck samples before the module is marked DOWN and the action runs.' },
  'nodeark.watchdog.action': {
    kind: 'enum',
    default: 'mark-down',
    values: ['mark-down', 'restart', 'remove'],
    description: 'What the watchdog does to a stuck module: health DOWN only, a fresh worker, or uninstall.',
  },
  'nodeark.worker.max-old-generation-size-mb': { kind: 'int', default: undefined, min: 8, description: 'V8 old-generation heap limit of each module worker (MB).' },
  'nodeark.worker.max-young-generation-size-mb': { kind: 'int', default: undefined, min: 1, description: 'V8 young-generation heap limit of each module worker (MB).' },
  'nodeark.worker.stack-size-mb': { kind: 'int', default: undefined, min: 1, description: 'Stack size of each module worker (MB).' },
  'nodeark.bundle.max-archive-size': { kind: 'bytes', default: 256 * 1024 * 1024, description: 'Largest archive or download accepted (bytes, or `256mb`).' },
  'nodeark.bundle.max-unpacked-size': { kind: 'bytes', default: 1024 * 1024 * 1024, description: 'Largest total unpacked size of one archive.' },
  'nodeark.bundle.max-entries': { kind: 'int', default: 20_000, min: 1, description: 'Most entries in one archive.' },
  'nodeark.bundle.allowed-schemes': { kind: 'list', default: ['file', 'http', 'https'], description: 'bizUrl schemes accepted (comma-separated).' },
  'nodeark.bundle.allowed-hosts': { kind: 'list', default: [], description: 'Hosts (or `*.suffix`) an http(s) bizUrl may name; empty allows any.' },
  'nodeark.bundle.allowed-roots': { kind: 'list', default: [], description: 'Directories a local bizUrl must be inside (symlinks resolved); empty allows any.' },
  'nodeark.bundle.require-integrity': { kind: 'bool', default: false, description: 'Refuse installs without an `integrity` (sha256-/sha512-) value.' },
  'nodeark.download.connect-timeout': { kind: 'duration', default: 10_000, description: 'http(s) bizUrl connect timeout.' },
  'nodeark.download.body-timeout': { kind: 'duration', default: 30_000, description: 'http(s) bizUrl idle timeout between body chunks.' },
  'nodeark.download.total-timeout': { kind: 'duration', default: 300_000, description: 'http(s) bizUrl whole-download timeout.' },
  'nodeark.download.max-redirections': { kind: 'int', default: 5, min: 0, description: 'Redirects followed for an http(s) bizUrl.' },
  'nodeark.download.basic-auth.username': { kind: 'string', default: undefined, description: 'Basic auth user for http(s) bizUrls without userinfo.' },
  'nodeark.download.basic-auth.password': { kind: 'string', default: undefined, description: 'Basic auth password for http(s) bizUrls without userinfo.' },
  'nodeark.replay.enabled': {
    kind: 'bool',
    default: false,
    description: 'Persist the installed modules and reinstall them (same versions, same activated one) after a restart.',
  },
  'nodeark.replay.file': { kind: 'string', default: undefined, description: 'The replay record. Default: `installed.json` beside the store directory.' },
  'nodeark.console.enabled': {
    kind: 'bool',
    default: false,
    description: 'Serve the web console on the base port (docs/console.md). Without a token it answers loopback clients only.',
  },
  'nodeark.console.path': { kind: 'string', default: '/nodeark/console', description: 'Where the web console is served (docs/console.md).' },
  'nodeark.shutdown.readiness-delay': {
    kind: 'duration',
    default: 0,
    description: 'On shutdown, keep serving this long after readiness turns OUT_OF_SERVICE, so load balancers and Kubernetes stop routing first.',
  },
  'nodeark.shutdown.timeout': { kind: 'duration', default: 30_000, description: 'Bound on graceful shutdown (drain + stop every module).' },
  // ModuleController v2 tunnels (HTTP heartbeat, MQTT): declared by @nodeark/tunnels, docs/kubernetes.md.
  ...TUNNEL_CONFIG_KEYS,
  'logging.format': {
    kind: 'enum',
    default: 'auto',
    values: ['auto', 'json', 'pretty'],
    description: 'Log output: `json` lines, `pretty` (readable, coloured) or `auto` (pretty when stdout is a terminal, else JSON).',
  },
  'logging.level.root': { kind: 'enum', default: 'info', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], description: 'Base log level.' },
} as const satisfies Record<string, ConfigKeyDef>;

/** A fixed configuration key. */
export type ConfigKey = keyof typeof CONFIG_SCHEMA;

const KIND_FROM_ACTUATOR: Record<string, ConfigKind> = {
  string: 'string',
  path: 'string',
  bool: 'bool',
  list: 'list',
  int: 'int',
  bytes: 'bytes',
  ms: 'duration',
  show: 'enum',
  enum: 'enum',
};

/**
 * The actuator's properties (`@nodeark/actuator` ACTUATOR_PROPERTIES: management.*, spring.info.*,
 * spring.security.user.*, nodeark.actuator.*), accepted by the loader without a default of their own: the
 * actuator applies its defaults, shown here as `docDefault`.
 */
export const ACTUATOR_CONFIG_SCHEMA: Readonly<Record<string, ConfigKeyDef>> = Object.fromEntries(
  ACTUATOR_PROPERTIES.filter((p) => !(p.key in CONFIG_SCHEMA)).map((p) => {
    const def: ConfigKeyDef = {
      kind: KIND_FROM_ACTUATOR[p.kind] ?? 'string',
      default: undefined,
      description: p.description,
      docDefault: (DEFAULT_ACTUATOR_CONFIG as unknown as Record<string, unknown>)[p.field],
    };
    if (p.kind === 'show') def.values = ['never', 'when-authorized', 'always'];
    else if (p.values) def.values = p.values;
    return [p.key, def];
  }),
);

/** Keys whose last segments are free (`management.endpoint.health.status.http-mapping.DOWN`). */
export const CONFIG_KEY_PATTERNS: ReadonlyArray<{ prefix: string; def: ConfigKeyDef }> =
  ACTUATOR_PROPERTY_PATTERNS.map((p) => ({
    prefix: p.prefix,
    def: { kind: 'raw', default: undefined, description: p.description },
  }));

/** True for keys the actuator reads (passed to `actuatorConfigFromProperties`). */
export function isActuatorKey(key: string): boolean {
  return (
    ACTUATOR_PROPERTIES.some((p) => p.key === key) ||
    ACTUATOR_PROPERTY_PATTERNS.some((p) => key.startsWith(p.prefix))
  );
}
