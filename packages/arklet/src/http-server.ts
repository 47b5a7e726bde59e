/**
 * The HTTP tunnel (docs/reference/arklet-protocol.md § Transport): a fastify server that turns
 * `POST /<command>` into `execute(command, body)` and writes the envelope. Outcome matrix
 * (docs/reference/arklet-protocol.md § Outcome matrix; deviations in § Deviations from the Java Arklet):
 *
 * | request | answer |
 * |---|---|
 * | any method but POST | 500, text `POST http request only supported by arklet` |
 * | body > 1 MiB | 413, empty body |
 * | malformed JSON | 200 `CMD_PROCESS_INTERNAL_ERROR` `Internal Error: …` (Java never answers) |
 * | a JSON value that is not an object | 200 `CMD_PROCESS_INTERNAL_ERROR` `Internal Error: …` (Java never answers) |
 * | unknown command | 200 `{"code":"CMD_NOT_FOUND","message":"please follow the doc"}` |
 * | everything else | 200 and the command's envelope |
 *
 * The command is the request path without its leading `/`, percent-decoded, query ignored, matched exactly.
 * `Content-Type` is not inspected. Responses carry `Content-Type: application/json` and
 * `Content-Length`; keep-alive is allowed (a deviation, docs/reference/arklet-protocol.md § Deviations from
 * the Java Arklet: Java sends no headers and closes).
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { internalErrorResponse, notFoundResponse } from './envelope.js';
import { lazySchemaController } from './lazy-schema-compilers.js';
import { ERR_ARKLET_BAD_JSON, ERR_ARKLET_PORT_UNAVAILABLE } from './errors.js';
import { isPlainObject } from './input-validation.js';
import { selectPort } from './port-select.js';
import type { ArkletLogger, ArkletResponse } from './types.js';

/** The body limit of Java's `HttpObjectAggregator`: 1 MiB. */
export const BODY_LIMIT = 1024 * 1024;

/** The non-POST answer, 42 bytes (docs/reference/arklet-protocol.md § Outcome matrix). */
export const NON_POST_MESSAGE = 'POST http request only supported by arklet';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  host: string;
  port: number;
  portExplicit: boolean;
  logger: ArkletLogger;
  /** Runs a command (the transport-independent core). */
  execute(commandId: string, input: unknown): Promise<ArkletResponse>;
  /**
   * When set, every request must carry `Authorization: Bearer <token>` (or `X-Arklet-Token: <token>`), else
   * 401. Off by default: ModuleController and the Java tooling send no credentials (docs/security.md).
   */
  authToken?: string;
  /** The OpenAPI document served at `GET /openapi.json` (built on each request: commands can be added). */
  openapi?: () => Promise<unknown>;
}

/** A listening HTTP tunnel. */
export interface HttpServer {
  readonly app: FastifyInstance;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Starts the server on the selected port. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    exposeHeadRoutes: false,
    // The Arklet's routes have no fastify schemas (inputs are checked by the generated checks).
    schemaController: lazySchemaController(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A path that cannot be percent-decoded names no command; anything else that fastify rejects
    // before routing is not a POST we can serve either.
    frameworkErrors: (err, req, reply) => {
      if (req.method !== 'POST') return sendNonPost(reply);
      if (err.code === 'FST_ERR_BAD_URL') return sendJson(reply, notFoundResponse());
      return sendJson(reply, internalErrorResponse(err));
    },
  });
  app.removeAllContentTypeParsers();
  // Every content type (and none) is read as bytes; JSON is parsed by the handler so that a parse error is
  // an envelope, not a fastify 400.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      void reply.code(413).header('content-length', '0').send();
      return;
    }
    options.logger.warn({ err: err.message, code: err.code }, 'arklet request failed before its command ran');
    void sendJson(reply, internalErrorResponse(err));
  });
  // Methods fastify does not route at all reach the not-found handler: they are not POST either.
  app.setNotFoundHandler((_req, reply) => sendNonPost(reply));

  if (options.authToken) {
    const expected = Buffer.from(options.authToken);
    // Checked before the body is read, so an unauthenticated caller cannot make the server parse anything.
    app.addHook('onRequest', async (req, reply) => {
      const given = tokenOf(req);
      if (given !== undefined && given.length === expected.length && timingSafeEqual(given, expected)) return;
      const body = JSON.stringify({ code: 'FAILED', message: 'Unauthorized: a valid Arklet token is required' });
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="arklet"')
        .header('content-type', 'application/json')
        .header('content-length', Buffer.byteLength(body))
        .send(body);
    });
  }

  if (options.openapi) {
    const openapi = options.openapi;
    // The one GET the Arklet answers (a deviation from Java, where every GET gets the non-POST message):
    // the API's own description (docs/arklet-api.md § OpenAPI).
    app.get('/openapi.json', async (_req, reply) => {
      const body = JSON.stringify(await openapi());
      return reply.header('content-type', 'application/json').header('content-length', Buffer.byteLength(body)).send(body);
    });
  }

  app.all('*', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return sendNonPost(reply);
    const commandId = commandIdOf(req.raw.url ?? '/');
    let input: unknown;
    try {
      input = parseBody(req.body);
    } catch (err) {
      return sendJson(reply, internalErrorResponse(err));
    }
    if (commandId === undefined) return sendJson(reply, notFoundResponse());
    return sendJson(reply, await options.execute(commandId, input));
  });

  const port = await selectPort(options.port, options.portExplicit, options.host);
  try {
    await app.listen({ port, host: options.host });
  } catch (err) {
    await app.close().catch(() => {});
    throw new ERR_ARKLET_PORT_UNAVAILABLE(`${options.host}:${port}: ${(err as Error).message}`, { cause: err });
  }
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  return {
    app,
    port: bound,
    host: options.host,
    close: () => app.close(),
  };
}

function tokenOf(req: FastifyRequest): Buffer | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return Buffer.from(auth.slice(7).trim());
  const x = req.headers['x-arklet-token'];
  return typeof x === 'string' ? Buffer.from(x) : undefined;
}

/** `/he%6Cp?x=1` → `help`; undefined when the path cannot be decoded (it then matches no command). */
export function commandIdOf(rawUrl: string): string | undefined {
  const q = rawUrl.indexOf('?');
  const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  try {
    return decodeURIComponent(path).slice(1);
  } catch {
    return undefined;
  }
}

/**
 * The request body → the command input: an empty body or `null` → null; otherwise strict JSON that
 * must be an object. `__proto__` members are dropped.
 */
export function parseBody(body: unknown): unknown {
  if (body === undefined || body === null) return null;
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => (key === '__proto__' ? undefined : v));
  } catch (err) {
    throw new ERR_ARKLET_BAD_JSON(`malformed JSON body: ${(err as Error).message}`, { cause: err });
  }
  if (value !== null && !isPlainObject(value)) {
    throw new ERR_ARKLET_BAD_JSON(`the request body must be a JSON object (got ${Array.isArray(value) ? 'array' : typeof value})`);
  }
  return value;
}

function sendJson(reply: FastifyReply, body: ArkletResponse): FastifyReply {
  // A Buffer payload keeps the Content-Type exactly as set (JSON is UTF-8 by definition, RFC 8259).
  return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body), 'utf8'));
}

function sendNonPost(reply: FastifyReply): FastifyReply {
  return reply.code(500).header('content-type', 'text/plain; charset=utf-8').send(NON_POST_MESSAGE);
}
