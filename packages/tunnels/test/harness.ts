/**
 * Test harness of @nodeark/tunnels: a real nodeark base (`createBase` with ports 0 on 127.0.0.1, a temp
 * store, silent logs, no environment), module bundles packed from `fixtures/` and served over a local HTTP
 * server (so that bizUrls contain `.jar`, as ModuleController requires), a Mosquitto broker process, a
 * recording logger, and an HTTP proxy that can tamper with the Arklet for the failure cases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';
import type { Arklet } from '@nodeark/arklet';
import { packBundle } from '@nodeark/runtime';
import type { TunnelLogger } from '@nodeark/tunnels';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** `file:` URL of a fixture directory. */
export function fixtureUrl(name: string): string {
  return pathToFileURL(join(FIXTURES, name)).href;
}

/** A temp directory removed by `cleanup()`. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `nodeark-tunnels-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/* ------------------------------------------------------------------------------------------------ base */

export interface TestBase {
  base: NodearkBase;
  arklet: Arklet;
  /** `http://127.0.0.1:<server.port>` (module traffic). */
  url: string;
  close(): Promise<void>;
}

/** A real base: `createBase` + `listen()`, Arklet on 127.0.0.1 with the given `koupleless.arklet.base.identity`. */
export async function startBase(identity: string, extra: Record<string, unknown> = {}): Promise<TestBase> {
  const tmp = await tempDir('base');
  const base = await createBase({
    env: {},
    config: {
      'server.port': 0,
      'server.address': '127.0.0.1',
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'koupleless.arklet.base.identity': identity,
      'nodeark.store.dir': join(tmp.dir, 'store'),
      'nodeark.biz.start-timeout': '15s',
      'logging.level.root': 'silent',
      'spring.application.name': 'base',
      ...extra,
    },
  });
  const { url } = await base.listen();
  let closed = false;
  return {
    base,
    arklet: base.arklet!,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await base.close().catch(() => undefined);
      await tmp.cleanup();
    },
  };
}

/* --------------------------------------------------------------------------------------------- bundles */

export interface BundleServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** URL of a served file name. */
  at(name: string): string;
  /** Requests served, by path. */
  hits: string[];
  close(): Promise<void>;
}

/**
 * Packs fixtures and serves them on 127.0.0.1:
 * - `/<biz>-<ver>-ark-biz.jar`: `packBundle(dir, {format:'jar'})` (a zip);
 * - `/<biz>-<ver>-tgz.jar`: the `tgz` bundle under a `.jar` name (format detected from content);
 * - `/<biz>-<ver>.tgz`: the tgz under its own name (no `.jar`: case 46).
 */
export async function serveBundles(fixtures: string[]): Promise<BundleServer> {
  const tmp = await tempDir('bundles');
  const files = new Map<string, string>();
  for (const f of fixtures) {
    const jar = await packBundle(join(FIXTURES, f), { format: 'jar', outDir: tmp.dir });
    files.set(`/${jar.bizName}-${jar.bizVersion}-ark-biz.jar`, jar.file);
    const tgz = await packBundle(join(FIXTURES, f), { format: 'tgz', outDir: tmp.dir });
    const asJar = join(tmp.dir, `${tgz.bizName}-${tgz.bizVersion}-tgz.jar`);
    await copyFile(tgz.file, asJar);
    files.set(`/${tgz.bizName}-${tgz.bizVersion}-tgz.jar`, asJar);
    files.set(`/${tgz.bizName}-${tgz.bizVersion}.tgz`, tgz.file);
  }
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    hits.push(path);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    void readFile(file).then((buf) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': buf.length });
      res.end(buf);
    });
  });
  await listen(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    at: (name) => `${url}/${name}`,
    hits,
    async close() {
      await closeServer(server);
      await tmp.cleanup();
    },
  };
}

/* ---------------------------------------------------------------------------------------------- logger */

export interface LogLine {
  level: 'info' | 'warn' | 'error' | 'debug';
  obj: object;
  msg: string;
}

/** A logger that records every line. */
export function recordingLogger(): TunnelLogger & { lines: LogLine[]; find(level: LogLine['level'], text: string): LogLine | undefined } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => void lines.push({ level, obj, msg: msg ?? '' });
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    find: (level, text) => lines.find((l) => l.level === level && l.msg.includes(text)),
  };
}

/* ----------------------------------------------------------------------------------------------- proxy */

/** What a tampering proxy may do with one Arklet request. */
export type ProxyRule = (command: string, body: string) => { status: number; body: string } | { rewrite: (json: any) => any } | undefined;

/**
 * An HTTP proxy in front of the Arklet: every request is forwarded unless `rule` answers it or rewrites the
 * JSON answer. The heartbeat announces the proxy's port so that the simulated controller calls through it.
 */
export async function arkletProxy(target: string, rule: ProxyRule): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const command = (req.url ?? '/').slice(1).split('?')[0]!;
      const r = rule(command, body);
      if (r && 'status' in r) {
        res.writeHead(r.status, { 'content-type': 'text/plain' }).end(r.body);
        return;
      }
      const t = new URL(target);
      const up = httpRequest(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' } },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on('data', (c: Buffer) => out.push(c));
          upRes.on('end', () => {
            let text = Buffer.concat(out).toString('utf8');
            if (r && 'rewrite' in r) text = JSON.stringify(r.rewrite(JSON.parse(text)));
            res.writeHead(upRes.statusCode ?? 502, { 'content-type': 'application/json' }).end(text);
          });
        },
      );
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await listen(server);
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

/* ------------------------------------------------------------------------------------------- mosquitto */

/** Where the tests look for the broker (Debian's `mosquitto` package). */
export const MOSQUITTO_CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

export interface Broker {
  port: number;
  /** The broker's log so far (connections with their client ids, at `notice` level). */
  readonly log: string;
  /** Kills the broker process (SIGKILL: an abrupt loss, as a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The Aedes broker script (npm registry), the fallback when no Mosquitto is installed. */
const AEDES_BROKER = fileURLToPath(new URL('./fixtures/aedes-broker.mjs', import.meta.url));

/**
 * Starts an MQTT broker on a free 127.0.0.1 port: Mosquitto when installed, otherwise Aedes from the npm
 * registry in its own process (so `npm ci && npm test` needs nothing but Node). `NODEARK_MQTT_BROKER`
 * (`mosquitto` or `aedes`) forces one; CI runs the MQTT tests against both. Forcing Mosquitto where it is
 * not installed fails with a clear message: these tests never skip.
 */
export async function startBroker(options: { candidates?: string[]; kind?: 'mosquitto' | 'aedes' | 'auto' } = {}): Promise<Broker> {
  // `auto`: Mosquitto when found, else Aedes, whatever NODEARK_MQTT_BROKER says.
  const forced =
    options.kind === 'auto' ? undefined : (options.kind ?? (process.env['NODEARK_MQTT_BROKER'] as 'mosquitto' | 'aedes' | undefined));
  if (forced !== undefined && forced !== 'mosquitto' && forced !== 'aedes') {
    throw new Error(`NODEARK_MQTT_BROKER must be "mosquitto" or "aedes", got "${String(forced)}"`);
  }
  const bin = findMosquitto(options.candidates ?? MOSQUITTO_CANDIDATES);
  if (forced === 'aedes' || (forced === undefined && !bin)) {
    return startBrokerProcess('aedes', process.execPath, (port) => [AEDES_BROKER, String(port)]);
  }
  return startMosquitto(options);
}

function findMosquitto(candidates: string[]): string | undefined {
  return candidates.find((p) => {
    try {
      accessSync(p, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts a Mosquitto process on a free 127.0.0.1 port with a generated config (`listener <port> 127.0.0.1`,
 * `allow_anonymous true`). Fails with a clear message when mosquitto is not installed.
 */
export async function startMosquitto(options: { candidates?: string[] } = {}): Promise<Broker> {
  const candidates = options.candidates ?? MOSQUITTO_CANDIDATES;
  const bin = findMosquitto(candidates);
  if (!bin) {
    throw new Error(
      `mosquitto is required by the MQTT tunnel tests but was not found (looked in ${candidates.join(', ')}). ` +
        'Install it: `sudo apt-get install -y mosquitto` (Debian/Ubuntu; CI does this).',
    );
  }
  const tmp = await tempDir('mosquitto');
  const conf = join(tmp.dir, 'mosquitto.conf');
  const broker = await startBrokerProcess('mosquitto', bin, (port) => {
    writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'connection_messages true', ''].join('\n'));
    return ['-c', conf];
  });
  return {
    ...broker,
    get log() {
      return broker.log;
    },
    async stop() {
      await broker.stop();
      await tmp.cleanup();
    },
  };
}

/** Runs a broker process on a free port; `kill()` is SIGKILL (an abrupt loss, as a crash). */
async function startBrokerProcess(name: string, bin: string, args: (port: number) => string[]): Promise<Broker> {
  const port = await freePort();
  const argv = args(port);
  let child: ChildProcess | undefined;
  let stderr = '';
  let log = '';
  const launch = async (): Promise<void> => {
    stderr = '';
    const c = spawn(bin, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      log += d.toString();
    });
    child = c;
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (c.exitCode !== null) throw new Error(`${name} exited with ${c.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`${name} did not listen on 127.0.0.1:${port} within 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await launch();
  return {
    port,
    get log() {
      return log;
    },
    kill,
    restart: launch,
    stop: kill,
  };
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = netConnect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/* ------------------------------------------------------------------------------------------------ misc */

export function listen(server: Server, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
