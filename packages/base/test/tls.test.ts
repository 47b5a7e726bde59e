/**
 * A base behind TLS (fastify with `https`, nodeark embedded): the module sees `req.socket.encrypted` and
 * `x-forwarded-proto: https`, as an app on its own TLS server would see `encrypted`.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastify, type FastifyInstance } from 'fastify';
import { nodearkPlugin } from 'nodeark';

const inspect = pathToFileURL(fileURLToPath(new URL('../../runtime/test/fixtures/modules/inspect/', import.meta.url))).href;
let app: FastifyInstance | undefined;
let tmp: string | undefined;
afterAll(async () => {
  await app?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it('tells the module the client connection is encrypted', async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-tls-'));
  // A throwaway self-signed certificate for 127.0.0.1 (test fixture).
  const tls = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));
  app = fastify({ https: { key: await readFile(join(tls, 'key.pem')), cert: await readFile(join(tls, 'cert.pem')) } });
  await app.register(nodearkPlugin, {
    env: {},
    config: {
      'nodeark.store.dir': join(tmp, 'store'),
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'logging.level.root': 'silent',
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  expect((await app.nodeark.runtime.install({ bizUrl: inspect })).code).toBe('SUCCESS');
  const body = await new Promise<string>((resolve, reject) => {
    request(`${url}/inspect/seen`, { rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
  const seen = JSON.parse(body) as { encrypted: boolean; headers: Record<string, string> };
  expect(url.startsWith('https://')).toBe(true);
  expect(seen.encrypted).toBe(true);
  expect(seen.headers['x-forwarded-proto']).toBe('https');
});
