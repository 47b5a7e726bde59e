/**
 * The base's fastify instance loads fastify's schema compilers (Ajv, fast-json-stringify) only when a route
 * with a schema needs them, and a user's routes on `base.app` validate and serialise exactly as on a plain
 * fastify instance: `headers` schemas match case-insensitively, response schemas filter the payload.
 * Run in a child process, so what is loaded is what one base loaded, not what other tests did.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const entry = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;

const script = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
// fastify itself loads fast-json-stringify's small serializer for its errors; the compilers are the rest.
const loaded = () => Object.keys(require.cache).filter((k) => k.includes('ajv') || k.includes('json-stringify-compiler')).length;
const { createBase } = await import(${JSON.stringify(entry)});
const dir = process.argv[1];
const config = {
  'server.port': 0, 'server.address': '127.0.0.1',
  'koupleless.arklet.http.port': 0, 'koupleless.arklet.http.host': '127.0.0.1',
  'nodeark.store.dir': dir + '/store', 'logging.level.root': 'silent',
};
const out = {};
const plain = await createBase({ env: {}, config });
await plain.listen();
out.afterPlainStart = loaded();
await plain.close();
const base = await createBase({ env: {}, config });
base.app.get('/mine', {
  schema: {
    headers: { type: 'object', properties: { 'X-Api-Key': { type: 'string', minLength: 3 } }, required: ['X-Api-Key'] },
    response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
  },
}, async () => ({ ok: true, secret: 'filtered by the response schema' }));
const { url } = await base.listen();
out.afterSchemaRoute = loaded();
const withKey = await fetch(url + '/mine', { headers: { 'x-api-key': 'abcd' } });
out.withKey = { status: withKey.status, body: await withKey.text() };
const short = await fetch(url + '/mine', { headers: { 'x-api-key': 'ab' } });
out.shortKey = short.status;
const without = await fetch(url + '/mine');
out.withoutKey = without.status;
await base.close();
console.log(JSON.stringify(out));
`;

describe('schema compilers of the base app', () => {
  it('loads none at start, then validates and serialises user routes as plain fastify does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nodeark-schemas-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, dir], {
        timeout: 30_000,
      });
      const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(out['afterPlainStart']).toBe(0);
      expect(out['afterSchemaRoute']).toBeGreaterThan(0);
      expect(out['withKey']).toEqual({ status: 200, body: '{"ok":true}' });
      expect(out['shortKey']).toBe(400);
      expect(out['withoutKey']).toBe(400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
