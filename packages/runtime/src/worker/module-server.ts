/**
 * The module's `node:http` server inside its worker, whatever the module's style: its own `server`,
 * or one made here around its `handler` or `fetch`. The base hands it connections over the socket link
 * (`server.emit('connection', socket)`), so Node parses every request and frameworks get genuine
 * `IncomingMessage`/`ServerResponse` objects, `'upgrade'` events and `Expect: 100-continue` handling.
 */
import { createServer, maxHeaderSize, type Server } from 'node:http';
import type { BizContext, BizDefinition } from '@nodeark/biz';
import type { BizServeKind } from '../types.js';
import { fetchListener, handlerFailed } from './fetch-adapter.js';
import { isHttpServer } from './resolve-definition.js';

/** The server and what the module serves. */
export interface ModuleServer {
  server: Server | undefined;
  serves: BizServeKind;
  /** The module accepts `Upgrade` requests (an `upgrade` export, or its own server). */
  upgrade: boolean;
}

/** Builds the module's server. Listener failures are reported to `onError` and answered 500. */
export function createModuleServer(def: BizDefinition, ctx: BizContext, onError: (err: unknown) => void): ModuleServer {
  const identity = `${ctx.bizName}:${ctx.bizVersion}`;
  let server: Server | undefined;
  let serves: BizServeKind = 'none';
  if (def.server !== undefined) {
    if (!isHttpServer(def.server)) throw new TypeError('the module\'s "server" export must be an http.Server');
    server = def.server;
    serves = 'server';
  } else if (typeof def.fetch === 'function') {
    server = createServer(fetchListener(def.fetch, def, ctx, onError));
    serves = 'fetch';
  } else if (typeof def.handler === 'function') {
    const handler = def.handler;
    server = createServer((req, res) => {
      try {
        // Reflect.apply, not handler.call/bind: an Express app has its own `bind`/`call` route methods.
        Reflect.apply(handler, def, [req, res]);
      } catch (err) {
        onError(err);
        handlerFailed(res, identity, err);
      }
    });
    serves = 'handler';
  }
  if (server) {
    // The base owns the lifetime of idle connections (it closes them with their client connection); a
    // keep-alive timeout here could close one just as the base reuses it for the next request.
    server.keepAliveTimeout = 0;
    // The base has already held the client's head to its own limit and adds its x-forwarded-* (a copy of
    // Host among them): room for those, so that a head the base accepted is not refused here.
    const limit = (server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? maxHeaderSize;
    (server as Server & { maxHeaderSize?: number }).maxHeaderSize = Math.max(limit, 2 * maxHeaderSize + 1024);
  }
  const upgrade = def.upgrade;
  if (server && typeof upgrade === 'function') {
    server.on('upgrade', (req, socket, head) => {
      try {
        Reflect.apply(upgrade, def, [req, socket, head]);
      } catch (err) {
        onError(err);
        socket.destroy();
      }
    });
  }
  return { server, serves, upgrade: serves === 'server' || (server !== undefined && typeof upgrade === 'function') };
}
