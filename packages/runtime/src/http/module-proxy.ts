/**
 * Base side of the path into a module: each client request (or `Upgrade`) becomes one connection over
 * the socket link, and Node's own HTTP client speaks HTTP/1.1 over it to the module's own `node:http`
 * server in the worker. The module therefore sees Node's genuine request and response objects, and the
 * base relays what comes back as it comes: headers as soon as the module sends them, every chunk as it
 * is written, `Content-Length` only where the module set one (docs/module-contract.md § How requests
 * reach a module).
 *
 * Edge answers: worker gone → 502, no response head within the request timeout → 504; once the head is
 * out, only the idle timeout (if configured) ends a quiet response.
 */
import { request, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SocketLink } from '../channel/socket-link.js';
import type { VirtualSocket } from '../channel/virtual-socket.js';
import { sendEdgeError } from './edge-errors.js';
import { requestHeaders, responseHeaders } from './forward-headers.js';
import { LinkAgent, peerOf, type ProxyRequestOptions } from './link-agent.js';
import { relayBody } from './relay-body.js';
import { rawHead, sendRawEdgeError } from './raw-response.js';
import { ERR_ROUTE_HANDLER_FAILED, ERR_ROUTE_TIMEOUT, ERR_ROUTE_WORKER_GONE } from '../errors.js';
import type { ModuleMeter } from '../metrics/module-metrics.js';
import type { RelayModule } from '../relay/downstream.js';

/** Options of a {@link ModuleProxy}. */
export interface ModuleProxyOptions {
  /** Identity used in error messages. */
  identity: string;
  /** No response head within it → 504 (0 disables). */
  requestTimeoutMs: number;
  /** After the head: a response (or upgraded connection) quiet for this long is closed (0 disables). */
  idleTimeoutMs: number;
  /** Extend the client's `x-forwarded-*` instead of replacing them. */
  trustProxy: boolean;
  /** Rewrite `Location`, `Content-Location` and cookie paths into the mount point. */
  rewriteMount: boolean;
  /** The module version's counters (docs/observability.md); absent when accounting is off. */
  meter?: ModuleMeter | undefined;
}

const WORKER_GONE = ERR_ROUTE_WORKER_GONE.code;

/** Forwards requests and upgrades into one worker; one proxy per worker. */
export class ModuleProxy implements RelayModule {
  private active = 0;
  private closed = false;
  private closedReason = '';
  /** Set by {@link ModuleProxy.drain}: the version is being stopped, so answers close their connection. */
  private draining = false;
  private drainWaiters: Array<() => void> = [];
  private readonly agent: LinkAgent;

  constructor(
    private readonly link: SocketLink,
    /** The proxy's settings (read by the relay as well). */
    readonly options: ModuleProxyOptions,
  ) {
    this.agent = new LinkAgent(link);
  }

  /** Requests and upgraded connections currently open. */
  get inflight(): number {
    return this.active;
  }

  /** True once the worker is gone: requests get 502 at once. */
  get isClosed(): boolean {
    return this.closed;
  }

  /* The module's side of the connection relay (relay/connection-relay.ts): the relay reads `options`,
     opens its connections here and counts its requests here, so draining sees relayed requests too. */

  /** Opens a connection into the worker for a relayed client connection. */
  openRelayConnection(client: Duplex): VirtualSocket {
    return this.link.open(peerOf(client as IncomingMessage['socket']));
  }

  /** Counts a relayed request (or upgraded connection) in flight. */
  track(delta: 1 | -1): void {
    if (delta === 1) this.begin();
    else this.end();
  }

  /** Forwards `req` (whose URL, prefix stripped, is `url`) and answers on `res`. */
  forward(req: IncomingMessage, res: ServerResponse, url: string, prefix: string): void {
    const { identity, meter } = this.options;
    if (this.closed) {
      req.resume();
      sendEdgeError(res, 502, WORKER_GONE, `Module ${identity} ${this.closedReason}`);
      meter?.answered(req.method, 502, WORKER_GONE);
      return;
    }
    const options: ProxyRequestOptions = {
      method: req.method,
      path: url,
      headers: requestHeaders(req, { prefix, trustProxy: this.options.trustProxy }) as unknown as RequestOptions['headers'],
      setHost: false,
      agent: this.agent,
      nodeark: { key: this.agent.keyOf(req.socket), client: req.socket },
    };
    const creq = request(options);
    this.begin();
    // Accounting (docs/observability.md): the start time and whether the response is streaming live in
    // this closure's context, which exists anyway; nothing else is allocated per request.
    const t0 = meter === undefined ? 0 : meter.begin();
    let streaming = false;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      this.end();
      if (meter !== undefined) {
        if (streaming) meter.responsesStreaming--;
        meter.end(req.method, res.headersSent ? res.statusCode : 0, t0);
      }
    };
    if (this.options.requestTimeoutMs > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        sendEdgeError(res, 504, ERR_ROUTE_TIMEOUT.code, `Module ${identity} did not answer within ${this.options.requestTimeoutMs} ms`);
        meter?.edge(ERR_ROUTE_TIMEOUT.code);
        creq.destroy();
        done();
      }, this.options.requestTimeoutMs);
    }
    creq.on('response', (ires: IncomingMessage) => {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      if (finished) {
        ires.destroy();
        return;
      }
      const headers = responseHeaders(ires.rawHeaders, {
        prefix,
        host: req.headers.host,
        rewrite: this.options.rewriteMount,
      });
      // A version being stopped (uninstall, shutdown) ends the client connections it answers, so that a
      // base shutting down is not held open by them until their keep-alive timeout.
      if (this.draining) res.shouldKeepAlive = false;
      try {
        res.writeHead(ires.statusCode ?? 500, ires.statusMessage, headers as unknown as Record<string, string>);
      } catch (err) {
        // An invalid status or header from the module: answer 500 rather than crash the base.
        creq.destroy();
        sendEdgeError(res, 500, ERR_ROUTE_HANDLER_FAILED.code, `Invalid response from module ${identity}: ${(err as Error).message}`);
        meter?.edge(ERR_ROUTE_HANDLER_FAILED.code);
        done();
        return;
      }
      if (meter !== undefined) {
        streaming = true;
        meter.responsesStreaming++;
      }
      // Idle limit for what follows the head; the request's own timeout listener goes with the request,
      // so a pooled connection does not carry it to the next one.
      if (this.options.idleTimeoutMs > 0) {
        creq.setTimeout(this.options.idleTimeoutMs, () => {
          res.destroy();
          creq.destroy();
        });
      }
      relayBody(ires, res, meter);
    });
    creq.on('error', (err: Error & { code?: string }) => {
      if (!res.headersSent && !finished) {
        sendEdgeError(res, 502, WORKER_GONE, `Module ${identity} ${this.closed ? this.closedReason : `closed the connection: ${err.message}`}`);
        meter?.edge(WORKER_GONE);
      } else if (!res.writableFinished) {
        res.destroy();
      }
      done();
    });
    res.on('close', () => {
      if (!res.writableFinished) creq.destroy();
      done();
    });
    req.on('error', () => creq.destroy());
    const cl = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (cl === undefined || cl === '0')) {
      // No body: nothing to pipe (most requests; pipe's listeners are not free).
      req.resume();
      creq.end();
    } else {
      if (meter !== undefined) {
        // Node's parser has already checked the header: a declared length is counted as is, a chunked
        // body as it is read.
        if (cl !== undefined) meter.bytesIn += Number(cl);
        else req.on('data', (chunk: Buffer) => (meter.bytesIn += chunk.length));
      }
      req.pipe(creq);
    }
  }

  /** Forwards an `Upgrade` request; the client connection is relayed to the module's once it answers 101. */
  upgrade(req: IncomingMessage, client: Duplex, head: Buffer, url: string, prefix: string): void {
    const { identity, meter } = this.options;
    client.on('error', () => client.destroy());
    if (this.closed) {
      sendRawEdgeError(client, 502, WORKER_GONE, `Module ${identity} ${this.closedReason}`);
      meter?.answered(req.method, 502, WORKER_GONE);
      return;
    }
    // An upgraded connection is the client's alone: a fresh module connection, outside the pool.
    const socket = this.link.open(peerOf(req.socket));
    const options = {
      method: req.method,
      path: url,
      headers: requestHeaders(req, { prefix, trustProxy: this.options.trustProxy, upgrade: req.headers.upgrade ?? '' }),
      setHost: false,
      createConnection: () => socket,
    };
    const creq = request(options as unknown as RequestOptions);
    this.begin();
    // The handshake counts as a request until it is answered; an accepted one then counts as an open
    // WebSocket until the connection closes (docs/observability.md).
    const t0 = meter === undefined ? 0 : meter.begin();
    let upgraded = false;
    let counted = meter === undefined;
    const answered = (status: number): void => {
      if (counted) return;
      counted = true;
      meter!.end(req.method, status, t0);
    };
    let settled = false;
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const close = (): void => {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      client.destroy();
      socket.destroy();
      this.end();
      if (meter !== undefined) {
        answered(0);
        if (upgraded) {
          meter.websocketsActive--;
          meter.bytesIn += (client as { bytesRead?: number }).bytesRead ?? 0;
          meter.bytesOut += (client as { bytesWritten?: number }).bytesWritten ?? 0;
        }
      }
    };
    if (this.options.requestTimeoutMs > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        settled = true;
        sendRawEdgeError(client, 504, ERR_ROUTE_TIMEOUT.code, `Module ${identity} did not answer the upgrade within ${this.options.requestTimeoutMs} ms`);
        answered(504);
        meter?.edge(ERR_ROUTE_TIMEOUT.code);
        creq.destroy();
        close();
      }, this.options.requestTimeoutMs);
    }
    client.on('close', () => {
      if (!settled) creq.destroy();
      close();
    });
    creq.on('upgrade', (ires: IncomingMessage, moduleSocket: Duplex, moduleHead: Buffer) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      answered(ires.statusCode ?? 101);
      if (meter !== undefined) {
        upgraded = true;
        meter.websocketsActive++;
      }
      const headers = responseHeaders(ires.rawHeaders, {
        prefix,
        host: req.headers.host,
        rewrite: this.options.rewriteMount,
        keepUpgrade: true,
      });
      client.write(rawHead(ires.statusCode ?? 101, ires.statusMessage, headers));
      if (moduleHead.length > 0) client.write(moduleHead);
      moduleSocket.on('error', () => close());
      moduleSocket.on('close', close);
      if (this.options.idleTimeoutMs > 0) socket.setTimeout(this.options.idleTimeoutMs, close);
      moduleSocket.pipe(client);
      client.pipe(moduleSocket);
    });
    creq.on('response', (ires: IncomingMessage) => {
      // The module refused the upgrade with an ordinary answer: relay it and close the connection.
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      answered(ires.statusCode ?? 500);
      const headers = responseHeaders(ires.rawHeaders, {
        prefix,
        host: req.headers.host,
        rewrite: this.options.rewriteMount,
      });
      headers.push('connection', 'close');
      client.write(rawHead(ires.statusCode ?? 500, ires.statusMessage, headers));
      ires.on('error', close);
      ires.on('end', () => client.end());
      ires.pipe(client, { end: false });
    });
    creq.on('error', (err: Error) => {
      if (!settled) {
        settled = true;
        sendRawEdgeError(client, 502, WORKER_GONE, `Module ${identity} ${this.closed ? this.closedReason : `closed the connection: ${err.message}`}`);
        answered(502);
        meter?.edge(WORKER_GONE);
      }
      close();
    });
    creq.end();
    // Bytes the client sent after its request head go after ours on the module connection.
    if (head.length > 0) creq.once('finish', () => socket.write(head));
  }

  /** Fails every open request and connection (the worker is gone); later ones get 502 at once. */
  failAll(reason: string): void {
    this.closed = true;
    this.closedReason = reason;
    this.link.destroyAll();
  }

  /** Resolves when nothing is open, or after `timeoutMs`; returns how many were still open. */
  drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    if (this.active === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        resolve(this.active);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(0);
      };
      this.drainWaiters.push(done);
    });
  }

  private begin(): void {
    this.active++;
  }

  private end(): void {
    this.active--;
    if (this.active === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
