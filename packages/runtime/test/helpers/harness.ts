/**
 * Test harness: a real BizRuntime with a temporary store behind a real HTTP server on 127.0.0.1:0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BizRuntime, type RuntimeOptions } from '@nodeark/runtime';

/** Absolute path of a fixture module directory. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/modules/${name}`, import.meta.url));
}

/** `file:` URL of a fixture module directory. */
export function fixtureUrl(name: string): string {
  return pathToFileURL(fixture(name)).href;
}

let relayed = false;

/**
 * Makes every later {@link startHarness} in this test file put the connection relay in front of its
 * server (`runtime.relayConnections`), as a standalone base does: the suites under `test/relayed/` run the
 * request suites again through it.
 */
export function useRelay(): void {
  relayed = true;
}

/** A running test base. */
export interface Harness {
  runtime: BizRuntime;
  server: Server;
  /** The connection relay is in front of the server ({@link useRelay}). */
  relayed: boolean;
  url: string;
  store: string;
  close(): Promise<void>;
}

/** Starts a runtime behind an HTTP server. */
export async function startHarness(options: RuntimeOptions = {}): Promise<Harness> {
  const store = await mkdtemp(join(tmpdir(), 'nodeark-test-'));
  const runtime = new BizRuntime({ storeDir: join(store, 'store'), ...options });
  const server = createServer((req, res) => {
    if (!runtime.handle(req, res)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'NODEARK_ERR_ROUTE_NOT_FOUND' }));
    }
  });
  server.on('upgrade', (req, socket, head) => {
    if (!runtime.handleUpgrade(req, socket, head)) socket.destroy();
  });
  const relay = relayed ? runtime.relayConnections(server) : undefined;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    runtime,
    server,
    relayed,
    url: `http://127.0.0.1:${port}`,
    store,
    async close() {
      relay?.shutdown();
      await runtime.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(store, { recursive: true, force: true });
    },
  };
}

/** Resolves when `predicate` is true, polling every 10 ms, or rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
