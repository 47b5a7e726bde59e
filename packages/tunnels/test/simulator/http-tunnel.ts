/**
 * SIMULATOR — ModuleController v2's HTTP tunnel (`MC2:module_tunnels/koupleless_http_tunnel/http_tunnel.go`
 * and `ark_service/ark_service.go`), as recorded in docs/reference/module-controller.md
 * § What the controller calls on the base and § Baseline:
 * - server: `POST /heartbeat` (other methods 405; undecodable body 400 with the error text; else 200
 *   `SUCCESS` as text), `POST /queryBaseline` (BaseMetadata → JSON array of BizModel);
 * - client: `POST http://<localIP>:<port>/<command>` to the address of the last heartbeat; `health` and
 *   `queryAllBiz` with the literal body `{}` sent as `text/plain` (resty sends a string body without a JSON
 *   content type), installs/uninstalls with the BizModel as `application/json`; HTTP 200 + JSON is required,
 *   anything else is an error; a `code` other than SUCCESS with HTTP 200 is *not* an error;
 * - `queryAllBiz` polls share one TryLock across the whole tunnel: a poll that finds it taken is skipped.
 *
 * Deviation for bounded tests: each call has a 20 s timeout (resty has none; the real controller would wait
 * forever on a hung base).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { bizInfoToStatus, bizKey, type SimArkBizInfo, type SimBaseMetadata, type SimBaseStatus, type SimBizModel } from './rules.js';
import type { SimHealthResponse, SimTunnel, TunnelCallbacks } from './vnode-controller.js';

/** One call the controller made to a base. */
export interface ArkCall {
  nodeId: string;
  command: string;
  url: string;
  /** The body exactly as sent. */
  body: string;
  contentType: string;
  at: number;
  durationMs?: number;
  status?: number;
  response?: any;
  error?: string;
}

/** One request the tunnel server received. */
export interface TunnelRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  body: string;
}

export class SimHttpTunnel implements SimTunnel {
  readonly kind = 'http' as const;
  readonly calls: ArkCall[] = [];
  readonly received: TunnelRequest[] = [];
  private server: Server | undefined;
  private cb: TunnelCallbacks | undefined;
  private readonly nodes = new Map<string, SimBaseStatus>();
  private queryLock = false;
  private readonly agent = new Agent({ keepAliveTimeout: 1_000, connect: { timeout: 5_000 } });
  private readonly callTimeoutMs = 20_000;
  port = 0;

  constructor(private readonly listen: { port: number; host: string }) {}

  get url(): string {
    return `http://${this.listen.host}:${this.port}`;
  }

  async start(cb: TunnelCallbacks): Promise<void> {
    this.cb = cb;
    const server = createServer((req, res) => void this.serve(req, res));
    server.keepAliveTimeout = 500;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    await this.agent.close().catch(() => undefined);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const reply = (status: number, text: string, type = 'text/plain; charset=utf-8'): void => {
      this.received.push({ at: Date.now(), method: req.method ?? '', path, status, body });
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    };
    if (path !== '/heartbeat' && path !== '/queryBaseline') return reply(404, '404 page not found');
    if (req.method !== 'POST') return reply(405, 'Method not allowed');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('json: cannot unmarshal into Go value of type model.BaseStatus');
    } catch (err) {
      return reply(400, (err as Error).message);
    }
    if (path === '/heartbeat') {
      reply(200, 'SUCCESS');
      this.cb?.onBaseDiscovered(parsed as SimBaseStatus);
      return;
    }
    const models = this.cb?.baseline(parsed as SimBaseMetadata) ?? [];
    reply(200, JSON.stringify(models), 'application/json');
  }

  registerNode(nodeId: string, status: SimBaseStatus): void {
    this.nodes.set(nodeId, status);
  }
  updateNode(nodeId: string, status: SimBaseStatus): void {
    this.nodes.set(nodeId, status);
  }
  unregisterNode(nodeId: string): void {
    this.nodes.delete(nodeId);
  }

  /**
   * POSTs to the base; resolves with the parsed body, or an error for transport/non-200/non-JSON
   * (docs/reference/module-controller.md § What the controller calls on the base).
   */
  private async call(nodeId: string, command: string, body: string, contentType: string): Promise<{ ok: true; json: any } | { ok: false; error: Error }> {
    const st = this.nodes.get(nodeId);
    const url = `http://${st?.localIP ?? ''}:${st?.port ?? 1238}/${command}`;
    const rec: ArkCall = { nodeId, command, url, body, contentType, at: Date.now() };
    this.calls.push(rec);
    try {
      const res = await request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': contentType },
        dispatcher: this.agent,
        headersTimeout: this.callTimeoutMs,
        bodyTimeout: this.callTimeoutMs,
      });
      const text = await res.body.text();
      rec.status = res.statusCode;
      rec.durationMs = Date.now() - rec.at;
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      const json = JSON.parse(text);
      rec.response = json;
      return { ok: true, json };
    } catch (err) {
      rec.error = (err as Error).message;
      rec.durationMs ??= Date.now() - rec.at;
      return { ok: false, error: err as Error };
    }
  }

  async fetchHealthData(nodeId: string): Promise<void> {
    const r = await this.call(nodeId, 'health', '{}', 'text/plain; charset=utf-8');
    if (r.ok) this.cb?.onHealthDataArrived(nodeId, r.json as SimHealthResponse);
  }

  async queryAllBizStatusData(nodeId: string): Promise<void> {
    if (this.queryLock) return; // TryLock failed: skipped until the next tick
    this.queryLock = true;
    try {
      const r = await this.call(nodeId, 'queryAllBiz', '{}', 'text/plain; charset=utf-8');
      if (!r.ok || r.json?.code !== 'SUCCESS' || !Array.isArray(r.json.data)) return;
      const now = Date.now();
      await this.cb?.onAllBizStatusArrived(nodeId, (r.json.data as SimArkBizInfo[]).map((b) => bizInfoToStatus(b, now)));
    } finally {
      this.queryLock = false;
    }
  }

  async startBiz(nodeId: string, model: SimBizModel): Promise<Error | undefined> {
    const r = await this.call(nodeId, 'installBiz', JSON.stringify(model), 'application/json');
    const key = bizKey(model.bizName ?? '', model.bizVersion ?? '');
    const name = model.bizName ?? '';
    if (!r.ok) {
      await this.cb?.onSingleBizStatusArrived(nodeId, { key, name, state: 'BROKEN', changeTime: Date.now(), reason: '', message: r.error.message });
      return r.error;
    }
    const code = String(r.json?.code ?? '');
    if (code === 'SUCCESS') {
      await this.cb?.onSingleBizStatusArrived(nodeId, {
        key,
        name,
        state: 'ACTIVATED',
        changeTime: Date.now(),
        reason: `${key} installBiz succeed`,
        message: String(r.json?.data?.message ?? ''),
      });
    } else {
      await this.cb?.onSingleBizStatusArrived(nodeId, { key, name, state: 'BROKEN', changeTime: Date.now(), reason: code, message: String(r.json?.message ?? '') });
    }
    return undefined;
  }

  async stopBiz(nodeId: string, model: SimBizModel): Promise<void> {
    const r = await this.call(nodeId, 'uninstallBiz', JSON.stringify(model), 'application/json');
    if (r.ok && r.json?.code === 'SUCCESS') return; // only logged (MC2 801cda1)
    const key = bizKey(model.bizName ?? '', model.bizVersion ?? '');
    await this.cb?.onSingleBizStatusArrived(nodeId, {
      key,
      name: model.bizName ?? '',
      state: 'BROKEN',
      changeTime: Date.now(),
      reason: r.ok ? String(r.json?.code ?? '') : '',
      message: r.ok ? String(r.json?.message ?? '') : r.error.message,
    });
  }
}
