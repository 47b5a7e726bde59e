/**
 * Every configuration key nodeark reads, composed from each package's declarations (the plain-object form
 * of `@nodeark/actuator`'s `config-kit.ts`: kind, default, description, environment name). Names are the
 * Koupleless/Spring ones where one exists. The base's own keys are declared here; the runtime's defaults
 * are read from `RUNTIME_DEFAULTS` rather than repeated; the tunnels' and the actuator's keys are declared
 * by those packages. `docs/configuration.md` is generated from these tables (`npm run docs:config`);
 * `nodeark start --help-config` prints them.
 */

import {
  ACTUATOR_CONFIG_KEYS,
  ACTUATOR_CONFIG_PATTERNS,
  createConfigCatalog,
  type ConfigCatalog,
  type ConfigKeyDef,
  type ConfigPatternDef,
} from '@nodeark/actuator';
import { RUNTIME_DEFAULTS } from '@nodeark/runtime';
import { TUNNEL_CONFIG_KEYS } from '@nodeark/tunnels/config';

export type { ConfigKeyDef, ConfigKind, ConfigPatternDef } from '@nodeark/actuator';

const RT = RUNTIME_DEFAULTS;

/** The base's keys and the tunnels' (the actuator's are {@link ACTUATOR_CONFIG_SCHEMA}). */
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
  'com.alipay.sofa.ark.static.biz.dir': {
    kind: 'string',
    default: undefined,
    description: 'Directory of modules installed at startup, lower `priority` first: each entry a module directory or archive.',
  },
  'nodeark.store.dir': { kind: 'string', default: RT.storeDir, description: 'Where bundles are unpacked (`<dir>/<bizName>/<bizVersion>`).' },
  'nodeark.base.node-modules': {
    kind: 'string',
    default: undefined,
    description: 'The base node_modules that modules fall back to for bare imports. Default: the nearest one above the cwd. `none` disables.',
  },
  'nodeark.biz.start-timeout': { kind: 'duration', default: RT.startTimeoutMs, description: 'Bound on a module import + `start(ctx)` (ms, or `30s`).' },
  'nodeark.biz.stop-timeout': { kind: 'duration', default: RT.stopTimeoutMs, description: 'Bound on a module `stop(ctx)`.' },
  'nodeark.biz.drain-timeout': { kind: 'duration', default: RT.drainTimeoutMs, description: 'Bound on waiting for in-flight requests before stopping a module.' },
  'nodeark.biz.request-timeout': {
    kind: 'duration',
    default: RT.requestTimeoutMs,
    description: 'No response head (or upgrade answer) from a module within it: 504 at the edge; 0 disables. A response whose head is out is never cut by it.',
  },
  'nodeark.biz.idle-timeout': {
    kind: 'duration',
    default: RT.idleTimeoutMs,
    description: 'Close a streamed response or upgraded connection (WebSocket) quiet for this long in both directions; 0 (default) never does.',
  },
  'nodeark.biz.trust-proxy': {
    kind: 'bool',
    default: RT.trustProxy,
    description: 'Extend the client\'s `x-forwarded-for/-proto/-host/-prefix` (a trusted proxy in front of the base) instead of replacing them.',
  },
  'nodeark.server.relay': {
    kind: 'bool',
    default: true,
    description:
      'Relay module requests from the client connection to the module\'s own server byte for byte (the base reads only each request head). `false`: the base parses each request and re-sends it, as before 2026-12 (docs/module-contract.md).',
  },
  'nodeark.biz.reserved-paths': {
    kind: 'list',
    default: [],
    description:
      'Path prefixes no module may take as its webContextPath (comma-separated, `admin,internal`), besides the actuator base path, the host app\'s routes and other modules\' paths, which are always refused.',
  },
  'nodeark.biz.health-timeout': { kind: 'duration', default: RT.healthTimeoutMs, description: 'Per-indicator timeout inside a module.' },
  'nodeark.biz.keep-broken': {
    kind: 'bool',
    default: RT.keepBrokenBiz,
    description: 'Keep a module that failed to start as `broken` instead of removing it (sofa.ark.auto.uninstall.when.failed.enable=false).',
  },
  'nodeark.biz.log-level': { kind: 'enum', default: RT.moduleLogLevel, values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], description: 'Level of module loggers (`ctx.logger`).' },
  'nodeark.biz.child-processes': {
    kind: 'enum',
    default: RT.childProcesses,
    values: ['track', 'deny'],
    description: 'Child processes spawned by modules: `track` (ended when the module stops or dies) or `deny` (spawning throws).',
  },
  'nodeark.watchdog.interval': { kind: 'duration', default: RT.watchdog.intervalMs, description: 'Event-loop watchdog sampling period; 0 disables the watchdog.' },
  'nodeark.watchdog.max-event-loop-utilization': {
    kind: 'int',
    // The runtime holds a fraction (0.98); the key is in percent.
    default: Math.round(RT.watchdog.maxEventLoopUtilization * 100),
    min: 1,
    description: 'Percent event-loop utilisation of a module worker above which a sample counts as stuck.',
  },
  'nodeark.watchdog.max-unhealthy-checks': { kind: 'int', default: RT.watchdog.maxUnhealthyChecks, min: 1, description: 'Consecutive stuck samples before the module is marked DOWN and the action runs.' },
  'nodeark.watchdog.action': {
    kind: 'enum',
    default: RT.watchdog.action,
    values: ['mark-down', 'restart', 'remove'],
    description: 'What the watchdog does to a stuck module: health DOWN only, a fresh worker, or uninstall.',
  },
  'nodeark.worker.max-old-generation-size-mb': { kind: 'int', default: undefined, min: 8, description: 'V8 old-generation heap limit of each module worker (MB).' },
  'nodeark.worker.max-young-generation-size-mb': { kind: 'int', default: undefined, min: 1, description: 'V8 young-generation heap limit of each module worker (MB).' },
  'nodeark.worker.stack-size-mb': { kind: 'int', default: undefined, min: 1, description: 'Stack size of each module worker (MB).' },
  'nodeark.worker.spares': {
    kind: 'int',
    default: RT.spareWorkers,
    min: 0,
    description:
      'Module workers kept spawned and waiting after the first install, so an install need not wait for a thread to start; each costs an idle worker\'s memory (docs/operations.md). 0 disables.',
  },
  'nodeark.bundle.max-archive-size': { kind: 'bytes', default: RT.bundleLimits.maxArchiveBytes, description: 'Largest archive or download accepted (bytes, or `256mb`).' },
  'nodeark.bundle.max-unpacked-size': { kind: 'bytes', default: RT.bundleLimits.maxUnpackedBytes, description: 'Largest total unpacked size of one archive.' },
  'nodeark.bundle.max-entries': { kind: 'int', default: RT.bundleLimits.maxEntries, min: 1, description: 'Most entries in one archive.' },
  'nodeark.bundle.allowed-schemes': {
    kind: 'list',
    // The runtime writes schemes as URL protocols (`https:`); the key takes them without the colon.
    default: RT.allowedSchemes.map((s) => s.slice(0, -1)), description: 'bizUrl schemes accepted (comma-separated).' },
  'nodeark.bundle.allowed-hosts': { kind: 'list', default: [], description: 'Hosts (or `*.suffix`) an http(s) bizUrl may name; empty allows any.' },
  'nodeark.bundle.allowed-roots': { kind: 'list', default: [], description: 'Directories a local bizUrl must be inside (symlinks resolved); empty allows any.' },
  'nodeark.bundle.require-integrity': { kind: 'bool', default: false, description: 'Refuse installs without an `integrity` (sha256-/sha512-) value.' },
  'nodeark.download.connect-timeout': { kind: 'duration', default: RT.download.connectTimeoutMs, description: 'http(s) bizUrl connect timeout.' },
  'nodeark.download.body-timeout': { kind: 'duration', default: RT.download.bodyTimeoutMs, description: 'http(s) bizUrl idle timeout between body chunks.' },
  'nodeark.download.total-timeout': { kind: 'duration', default: RT.download.totalTimeoutMs, description: 'http(s) bizUrl whole-download timeout.' },
  'nodeark.download.max-redirections': { kind: 'int', default: RT.download.maxRedirections, min: 0, description: 'Redirects followed for an http(s) bizUrl.' },
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

/** A key of {@link CONFIG_SCHEMA}. */
export type BaseConfigKey = keyof typeof CONFIG_SCHEMA;

/**
 * The actuator's keys (`@nodeark/actuator` ACTUATOR_CONFIG_KEYS: management.*, spring.info.*,
 * spring.security.user.*, nodeark.actuator.*), as declared there; `docDefault` repeats the default for
 * the docs' sake.
 */
export const ACTUATOR_CONFIG_SCHEMA: Readonly<Record<string, ConfigKeyDef>> = Object.fromEntries(
  Object.entries(ACTUATOR_CONFIG_KEYS)
    .filter(([key]) => !(key in CONFIG_SCHEMA))
    .map(([key, def]) => [key, { ...def, docDefault: 'docDefault' in def ? def.docDefault : def.default }]),
);

/** A fixed configuration key: the base's, the tunnels' or the actuator's. */
export type ConfigKey = BaseConfigKey | keyof typeof ACTUATOR_CONFIG_KEYS;

/** Every fixed key's declaration, by key. */
export type ConfigDeclarations = typeof CONFIG_SCHEMA & typeof ACTUATOR_CONFIG_KEYS;

/** Keys whose last segments are free (`management.endpoint.health.status.http-mapping.DOWN`). */
export const CONFIG_KEY_PATTERNS: readonly ConfigPatternDef[] = ACTUATOR_CONFIG_PATTERNS;

/** Every declaration composed for the loader: fixed keys (the base's first) and key families. */
export const CONFIG_CATALOG: ConfigCatalog = createConfigCatalog(
  { ...ACTUATOR_CONFIG_SCHEMA, ...(CONFIG_SCHEMA as Readonly<Record<string, ConfigKeyDef>>) },
  CONFIG_KEY_PATTERNS,
);
