/**
 * The web console's enablement, path and access rules (docs/console.md § Security), over plain HTTP on
 * 127.0.0.1: off by default and not even loaded; with the Arklet token, data and actions need it (and
 * actions carry it on to the Arklet); without one, only loopback host names and same-origin requests;
 * actions are relayed to the Arklet unchanged, so its own answers (413, bad JSON) come back as they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';
import { histogramQuantile } from '../src/console/metrics-history.js';
import { loopbackConfig } from './helpers/loopback-config.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const IDLE = pathToFileURL(join(fixtures, 'metrics-b')).href;
const TOKEN = 'console-test-token-0123456789';

let tmp: string;
const bases: NodearkBase[] = [];

async function start(extra: Record<string, unknown>): Promise<{ base: NodearkBase; url: string; arkletUrl: string }> {
  const base = await createBase({ env: {}, config: loopbackConfig(join(tmp, String(bases.length)), extra) });
  bases.push(base);
  const { url, arkletUrl } = await base.listen();
  return { base, url, arkletUrl };
}

/** A raw GET with headers fetch would not send as given (Host). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-console-access-'));
});

afterAll(async () => {
  for (const b of bases) await b.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('enablement', () => {
  it('is off by default, and the base does not load the console code at all then', async () => {
    const { url } = await start({});
    expect((await fetch(`${url}/nodeark/console/`)).status).toBe(404);
    expect((await fetch(`${url}/nodeark/console/api/state`)).status).toBe(404);
    // Only a dynamic import, behind the enabled check, reaches the console's code.
    const services = readFileSync(fileURLToPath(new URL('../dist/services.js', import.meta.url)), 'utf8');
    expect(services).not.toMatch(/^import[^;]*console\//m);
    expect(services).toMatch(/if \(config\.get\('nodeark\.console\.enabled'\)\) \{\s*(\/\/[^\n]*\s*)*const \{ mountConsole \} = await import\('\.\/console\/mount-console\.js'\)/);
  });

  it('serves at nodeark.console.path, redirects the bare path, and refuses a bad path', async () => {
    const { url } = await start({ 'nodeark.console.enabled': true, 'nodeark.console.path': '/ops/console/' });
    const page = await fetch(`${url}/ops/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="console.js" defer></script>');
    const bare = await fetch(`${url}/ops/console?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/ops/console/?x=1');
    for (const [file, type] of [['console.js', 'text/javascript'], ['console.css', 'text/css']]) {
      const res = await fetch(`${url}/ops/console/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    }
    expect((await fetch(`${url}/nodeark/console/`)).status).toBe(404);
    await expect(start({ 'nodeark.console.enabled': true, 'nodeark.console.path': '/../x' })).rejects.toMatchObject({
      code: 'NODEARK_ERR_CONFIG_INVALID_VALUE',
    });
  });
});

describe('with the Arklet token', () => {
  let url: string;
  let arkletUrl: string;
  beforeAll(async () => {
    ({ url, arkletUrl } = await start({ 'nodeark.console.enabled': true, 'nodeark.arklet.auth.token': TOKEN }));
  });

  it('serves the page to anyone, and its data only with the token', async () => {
    expect((await fetch(`${url}/nodeark/console/`)).status).toBe(200);
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789abc' }, { authorization: TOKEN }];
    for (const headers of attempts) {
      const res = await fetch(`${url}/nodeark/console/api/state`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(((await res.json()) as { code: string }).code).toBe('NODEARK_ERR_CONSOLE_UNAUTHORIZED');
    }
    expect((await fetch(`${url}/nodeark/console/api/events`)).status).toBe(401);
    const ok = await fetch(`${url}/nodeark/console/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { base: { tokenRequired: boolean } }).base.tokenRequired).toBe(true);
    expect((await fetch(`${url}/nodeark/console/api/state`, { headers: { 'x-arklet-token': TOKEN } })).status).toBe(200);
  });

  it('checks every request to the data and actions, however the path is spelled', async () => {
    // fastify routes on the decoded path: `%61pi` reaches the `api/` routes and must meet the same check.
    const encoded = await fetch(`${url}/nodeark/console/%61pi/state`);
    expect(encoded.status).toBe(401);
    const action = await fetch(`${url}/nodeark/console/%61pi/arklet/installBiz`, {
      method: 'POST',
      body: JSON.stringify({ bizUrl: IDLE }),
    });
    expect(action.status).toBe(401);
    expect(bases.at(-1)!.runtime.list()).toEqual([]);
  });

  it('refuses actions without the token before the Arklet sees them, and relays them with it', async () => {
    const body = JSON.stringify({ bizUrl: IDLE });
    const denied = await fetch(`${url}/nodeark/console/api/arklet/installBiz`, { method: 'POST', body });
    expect(denied.status).toBe(401);
    expect(bases.at(-1)!.runtime.list()).toEqual([]);
    // The Arklet itself wants the token too: the console passes it on.
    expect((await fetch(`${arkletUrl}/installBiz`, { method: 'POST', body })).status).toBe(401);
    const res = await fetch(`${url}/nodeark/console/api/arklet/installBiz`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { code: string }).code).toBe('SUCCESS');
    expect(bases.at(-1)!.runtime.list().map((b) => b.identity)).toEqual(['metrics-b:2.0.0']);
  });
});

describe('without a token', () => {
  let url: string;
  let arkletUrl: string;
  let base: NodearkBase;
  beforeAll(async () => {
    ({ url, arkletUrl, base } = await start({ 'nodeark.console.enabled': true }));
  });

  it('answers loopback host names only, and same-origin requests only', async () => {
    const state = `${url}/nodeark/console/api/state`;
    const port = new URL(url).port;
    expect((await rawGet(state, { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await rawGet(state, { host: `localhost:${port}` })).status).toBe(200);
    const rebound = await rawGet(state, { host: `console.attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).code).toBe('NODEARK_ERR_CONSOLE_FORBIDDEN');
    const cross = await fetch(`${url}/nodeark/console/api/arklet/installBiz`, {
      method: 'POST',
      body: JSON.stringify({ bizUrl: IDLE }),
      headers: { origin: 'http://attacker.example' },
    });
    expect(cross.status).toBe(403);
    expect(((await cross.json()) as { code: string }).code).toBe('NODEARK_ERR_CONSOLE_FORBIDDEN');
    expect((await rawGet(state, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // `Origin: null` (a sandboxed frame, a form from a file) is not this origin either.
    expect((await rawGet(state, { origin: 'null' })).status).toBe(403);
    expect((await fetch(state, { headers: { origin: url } })).status).toBe(200);
    expect(base.runtime.list()).toEqual([]);
  });

  it("relays only the console's commands, and returns the Arklet's own answers unchanged", async () => {
    const unknown = await fetch(`${url}/nodeark/console/api/arklet/help`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('NODEARK_ERR_CONSOLE_UNKNOWN_ACTION');
    for (const body of ['{not json', 'x'.repeat(1024 * 1024 + 10), JSON.stringify({ bizUrl: 42 })]) {
      const viaConsole = await fetch(`${url}/nodeark/console/api/arklet/installBiz`, { method: 'POST', body });
      const direct = await fetch(`${arkletUrl}/installBiz`, { method: 'POST', body });
      expect(viaConsole.status).toBe(direct.status);
      // Byte for byte, but for the stack trace of an internal error (its async frames vary between calls).
      const strip = (text: string): string => text.replace(/"errorStackTrace":"(?:[^"\\]|\\.)*",/, '');
      expect(strip(await viaConsole.text())).toBe(strip(await direct.text()));
    }
    expect(base.runtime.list()).toEqual([]);
  });

  it('ends open event streams when the base closes', async () => {
    const res = await fetch(`${url}/nodeark/console/api/events`);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^retry: 2000\n\nevent: state\ndata: \{/);
    const t0 = Date.now();
    await base.close();
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (;;) if ((await reader.read()).done) break;
  });
});

describe('histogramQuantile', () => {
  it('interpolates like Prometheus histogram_quantile', () => {
    const bounds = [0.001, 0.01, 0.1];
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 0])).toBeNull();
    // 100 requests, all between 1 and 10 ms: p50 halfway through that bucket.
    expect(histogramQuantile(0.5, bounds, [0, 100, 100, 100])).toBeCloseTo(0.0055, 10);
    // 99 fast, 1 in +Inf: the rank falls in the first bucket.
    expect(histogramQuantile(0.99, bounds, [99, 99, 99, 100])).toBeCloseTo(0.001, 10);
    // p99 in +Inf: the largest finite bound.
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 10])).toBe(0.1);
  });
});
