/**
 * A real test base: fastify on 127.0.0.1:0 with the actuator plugin and a hijacked catch-all into
 * `runtime.handle`, a real BizRuntime on a temp store, and real fixture modules installed over it.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastify, type FastifyInstance } from 'fastify';
import { BizRuntime, type OperationResult, type RuntimeOptions } from '@nodeark/runtime';
import { createActuator, type Actuator, type ActuatorConfig, type ActuatorOptions } from '@nodeark/actuator';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, 'fixtures', 'modules');

/** The presets of docs/reference/health-semantics.md § Presets. */
export const P0: Partial<ActuatorConfig> = {};
export const PA: Partial<ActuatorConfig> = {
  exposureInclude: ['health', 'info'],
  showComponents: 'always',
  showDetails: 'always',
  withAllBizReadiness: false,
};
export const PR: Partial<ActuatorConfig> = { ...PA, withAllBizReadiness: true };
export const PK: Partial<ActuatorConfig> = { probesEnabled: true };

export const BASE_ID = 'base:1.0.0';
export const BIZ1 = 'biz1:0.0.1-SNAPSHOT';
export const BIZ2 = 'biz2:0.0.1-SNAPSHOT';

export interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface TestBase {
  url: string;
  app: FastifyInstance;
  runtime: BizRuntime;
  actuator: Actuator;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<Res>;
  /** Installs a fixture and waits for the result (rejects on a failed start). */
  install(fixture: string, envs?: Record<string, string>): Promise<OperationResult>;
  /** Starts an install without waiting; the promise never rejects (resolves with the error). */
  installBg(fixture: string, envs?: Record<string, string>): Promise<OperationResult | Error>;
  close(): Promise<void>;
}

export interface BaseOptions {
  config?: Partial<ActuatorConfig>;
  runtime?: RuntimeOptions;
  /** Base lifecycle at start: `starting` (started, not ready), `ready` (default), `failed`, `created` (not even started). */
  state?: 'created' | 'starting' | 'ready' | 'failed';
  authorize?: ActuatorOptions['authorize'];
  /**
   * Wire `actuator.prepareUninstall` as the runtime's `beforeUninstall` hook, as `createBase()` does
   * (default true). Off: uninstalls reach the actuator only through transition events.
   */
  beforeUninstallHook?: boolean;
}

export function fixtureUrl(name: string): string {
  return pathToFileURL(join(FIXTURES, name)).href;
}

export async function startBase(opts: BaseOptions = {}): Promise<TestBase> {
  const storeDir = await mkdtemp(join(tmpdir(), 'nodeark-actuator-'));
  const runtime = new BizRuntime({
    storeDir,
    baseNodeModules: null,
    healthTimeoutMs: 1000,
    stopTimeoutMs: 2000,
    drainTimeoutMs: 500,
    startTimeoutMs: 10_000,
    ...opts.runtime,
  });
  const actuator = createActuator({
    runtime,
    masterBiz: { bizName: 'base', bizVersion: '1.0.0' },
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.authorize ? { authorize: opts.authorize } : {}),
  });
  if (opts.beforeUninstallHook !== false) {
    runtime.beforeUninstall((biz) => actuator.prepareUninstall(biz.bizName, biz.bizVersion));
  }
  const app = fastify();
  await app.register(actuator.plugin);
  app.all('/*', (req, reply) => {
    reply.hijack();
    if (!runtime.handle(req.raw, reply.raw)) {
      const body = JSON.stringify({ status: 404, error: 'Not Found', path: req.url });
      reply.raw.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      reply.raw.end(body);
    }
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const state = opts.state ?? 'ready';
  if (state !== 'created') actuator.markBaseStarted();
  if (state === 'ready') actuator.markBaseReady();
  if (state === 'failed') actuator.markBaseFailed(new Error('base startup failed (test)'));

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Res> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(`${url}${path}`, { method, headers, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
      req.on('error', reject);
      req.end();
    });

  return {
    url,
    app,
    runtime,
    actuator,
    get,
    install: (fixture, envs) => runtime.install({ bizUrl: fixtureUrl(fixture), ...(envs ? { envs } : {}) }),
    installBg: (fixture, envs) =>
      runtime.install({ bizUrl: fixtureUrl(fixture), ...(envs ? { envs } : {}) }).catch((err: unknown) => err as Error),
    async close() {
      await app.close();
      actuator.close();
      await runtime.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** Polls `pred` every 10 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the runtime lists `identity` in `state`. */
export function waitForState(base: TestBase, identity: string, state: string, timeoutMs = 5000): Promise<void> {
  const [name, version] = identity.split(':') as [string, string];
  return waitFor(() => base.runtime.get(name, version)?.bizState === state, timeoutMs, `${identity} to be ${state}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
