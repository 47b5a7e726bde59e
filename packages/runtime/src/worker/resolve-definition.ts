/**
 * Turns what a module's entry exports into a {@link BizDefinition}. Besides the documented object (or a
 * function returning one), the common app objects are accepted as they are, so `export default app`
 * works for the frameworks users already have (docs/frameworks.md):
 * - an `http.Server` (never listening) → `{ server }`;
 * - a Node listener: a function with `listen`/`handle` (Express, connect) or two or more parameters → `{ handler }`;
 * - a Koa app (`callback()` and `use()`) → `{ handler: app.callback() }`;
 * - a fastify instance (`routing`, `ready()`, `server`) → `{ server: app.server }`, ready before serving;
 * - a NestJS application (`getHttpServer()`, `init()`) → its HTTP server, `init()` before serving;
 * - an object with a `fetch` method (Hono) is already a definition.
 */
import type { Server } from 'node:http';
import type { BizDefinition } from '@nodeark/biz';

type Fn = (...args: unknown[]) => unknown;

/** True for an `http.Server`-like object. */
export function isHttpServer(v: unknown): v is Server {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Server).emit === 'function' &&
    typeof (v as Server).listen === 'function' &&
    typeof (v as Server).address === 'function'
  );
}

function isNodeListener(fn: Fn): boolean {
  const f = fn as Fn & { listen?: unknown; handle?: unknown };
  return typeof f.listen === 'function' || typeof f.handle === 'function' || fn.length >= 2;
}

function fromAppObject(v: object): BizDefinition | undefined {
  const o = v as Record<string, unknown>;
  if (isHttpServer(v)) return { server: v };
  if (typeof o['callback'] === 'function' && typeof o['use'] === 'function' && typeof o['fetch'] !== 'function') {
    // Koa.
    return { handler: (o['callback'] as () => BizDefinition['handler'])() };
  }
  if (typeof o['routing'] === 'function' && typeof o['ready'] === 'function' && isHttpServer(o['server'])) {
    // fastify: serve through its own (never listening) server once its plugins are loaded.
    const ready = o['ready'] as () => Promise<unknown>;
    return {
      server: o['server'],
      start: async () => {
        await ready.call(v);
      },
    };
  }
  if (typeof o['getHttpServer'] === 'function' && typeof o['init'] === 'function') {
    // NestJS: its HTTP adapter made the server at create(); init() wires the routes (never listen()).
    const server = (o['getHttpServer'] as () => unknown).call(v);
    if (isHttpServer(server)) {
      return {
        server,
        start: async () => {
          await (o['init'] as () => Promise<unknown>).call(v);
        },
        stop: async () => {
          await (o['close'] as (() => Promise<unknown>) | undefined)?.call(v);
        },
      };
    }
  }
  return undefined;
}

/** Resolves the entry's export (`mod.default ?? mod`) into a definition; throws a TypeError otherwise. */
export async function resolveDefinition(mod: { default?: unknown }): Promise<BizDefinition> {
  let exported: unknown = mod.default ?? mod;
  if (typeof exported === 'function') {
    if (isNodeListener(exported as Fn)) return { handler: exported as BizDefinition['handler'] };
    exported = await (exported as Fn)();
    if (typeof exported === 'function' && isNodeListener(exported as Fn)) {
      return { handler: exported as BizDefinition['handler'] };
    }
  }
  if (typeof exported !== 'object' || exported === null) {
    throw new TypeError(
      `the module's default export must be an object, an app (Express, Koa, fastify, Hono, http.Server) or a function returning one`,
    );
  }
  return fromAppObject(exported) ?? (exported as BizDefinition);
}
