import { afterEach, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBase } from 'nodeark';

let server: Server | undefined;
let tmp: string | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it('sends ModuleController heartbeats when configured, and a final deactivated one on shutdown', async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-hb-'));
  const beats: Array<{ state: string; port: number; metadata?: { name?: string } }> = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      if (req.url === '/heartbeat') beats.push(JSON.parse(body) as (typeof beats)[number]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const mc = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = await createBase({
    env: {},
    config: {
      'server.port': 0,
      'server.address': '127.0.0.1',
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'koupleless.arklet.http.heartbeat.endpoint': mc,
      'koupleless.arklet.http.heartbeat.interval': '200ms',
      'spring.application.name': 'hb-base',
      'nodeark.store.dir': join(tmp, 'store'),
      'logging.level.root': 'silent',
    },
  });
  await base.listen();
  const end = Date.now() + 5000;
  while (beats.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  expect(beats.length).toBeGreaterThanOrEqual(2);
  expect(beats[0]).toMatchObject({ state: 'activated', port: base.arklet!.port });
  expect(JSON.stringify(beats[0])).toContain('hb-base');
  await base.close();
  expect(beats.at(-1)!.state).toBe('deactivated');
});
