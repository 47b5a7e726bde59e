/**
 * Hostile input against a real base: a corpus of malformed Arklet requests — wrong types
 * for every field of every command, nulls, arrays, huge and unicode strings, `../` in names and versions,
 * schemes other than file/http/https, local files outside the allowed roots. Each must get a clear JSON
 * error, write nothing outside the store, and leave the registry unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';

const examples = fileURLToPath(new URL('../examples/', import.meta.url));
let base: NodearkBase;
let arklet: string;
let tmp: string;
let before: string[];

async function tree(dir: string, root = dir, out: string[] = []): Promise<string[]> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const rel = relative(root, p);
    if (rel === 'store' || rel.startsWith('store/')) continue;
    out.push(rel);
    if ((await stat(p)).isDirectory()) await tree(p, root, out);
  }
  return out.sort();
}

async function post(command: string, body: string): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string }> {
  const res = await fetch(`${arklet}/${command}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const HUGE = 'x'.repeat(200_000);
const UNICODE = 'モジュール-🚀-\u202e-\u0000';
const WRONG: Array<[string, unknown]> = [
  ['a number', 123],
  ['a boolean', true],
  ['an array', ['a']],
  ['an object', { a: 1 }],
  ['a huge string', HUGE],
  ['a unicode string with NUL and RTL', UNICODE],
];

/** [label, command, body] */
const corpus: Array<[string, string, unknown]> = [];
const good = { bizName: 'biz-hello', bizVersion: '1.0.0', bizUrl: pathToFileURL(join(examples, 'biz-hello')).href };

for (const [what, v] of WRONG) {
  corpus.push([`installBiz bizUrl ${what}`, 'installBiz', { bizUrl: v }]);
  corpus.push([`installBiz bizName ${what}`, 'installBiz', { ...good, bizName: v }]);
  corpus.push([`installBiz bizVersion ${what}`, 'installBiz', { ...good, bizVersion: v }]);
  corpus.push([`uninstallBiz bizName ${what}`, 'uninstallBiz', { bizName: v, bizVersion: '1.0.0' }]);
  corpus.push([`switchBiz bizVersion ${what}`, 'switchBiz', { bizName: 'biz-hello', bizVersion: v }]);
  corpus.push([`queryBizOps requestId ${what}`, 'queryBizOps', { requestId: v }]);
}
for (const [what, v] of WRONG.slice(0, 4)) {
  corpus.push([`installBiz args ${what}`, 'installBiz', { ...good, args: v === 123 ? 123 : [v] }]);
  corpus.push([`installBiz envs ${what}`, 'installBiz', { ...good, envs: { K: v } }]);
  if (typeof v !== 'boolean') corpus.push([`installBiz async ${what}`, 'installBiz', { ...good, async: v, requestId: 'r1' }]);
  corpus.push([`batchInstallBiz bizList ${what}`, 'batchInstallBiz', { bizList: v }]);
}
corpus.push(
  ['installBiz null body', 'installBiz', null],
  ['installBiz nulls everywhere', 'installBiz', { bizUrl: null, bizName: null, bizVersion: null }],
  ['installBiz only bizName', 'installBiz', { bizName: 'a', bizUrl: 'file:///x' }],
  ['installBiz ../ in bizName', 'installBiz', { ...good, bizName: '../../etc' }],
  ['installBiz ../ in bizVersion', 'installBiz', { ...good, bizVersion: '../../../tmp' }],
  ['installBiz slash in bizName', 'installBiz', { ...good, bizName: 'a/b' }],
  ['installBiz ftp: scheme', 'installBiz', { bizUrl: 'ftp://127.0.0.1/a.tgz' }],
  ['installBiz data: scheme', 'installBiz', { bizUrl: 'data:application/gzip;base64,H4sI' }],
  ['installBiz javascript: scheme', 'installBiz', { bizUrl: 'javascript:alert(1)' }],
  ['installBiz jar: scheme', 'installBiz', { bizUrl: 'jar:file:///a.jar!/' }],
  ['installBiz relative path', 'installBiz', { bizUrl: '../../etc/passwd' }],
  ['installBiz outside allowed roots', 'installBiz', { bizUrl: 'file:///etc/passwd' }],
  ['installBiz outside allowed roots via ..', 'installBiz', { bizUrl: 'file:///ALLOWED/../etc' }],
  ['installBiz unreachable http', 'installBiz', { bizUrl: 'http://127.0.0.1:1/a.tgz' }],
  ['installBiz async without requestId', 'installBiz', { ...good, async: true }],
  ['installBiz unknown strategy value type', 'installBiz', { ...good, installStrategy: 7 }],
  ['uninstallBiz empty', 'uninstallBiz', {}],
  ['uninstallBiz master biz', 'uninstallBiz', { bizName: 'hostile-base', bizVersion: '1.0.0' }],
  ['switchBiz unknown', 'switchBiz', { bizName: 'nope', bizVersion: '1.0.0' }],
  ['queryBizOps blank', 'queryBizOps', { requestId: '  ' }],
  ['batchInstallBiz item with bad scheme', 'batchInstallBiz', { bizList: [{ bizUrl: 'gopher://x' }] }],
  ['batchInstallBiz item with ../ name', 'batchInstallBiz', { bizList: [{ bizUrl: 'file:///x', bizName: '..', bizVersion: '1' }] }],
  ['health type wrong', 'health', { type: 42 }],
  ['health metrics wrong', 'health', { metrics: 'cpu' }],
);
const RAW: Array<[string, string, string]> = [
  ['malformed JSON', 'installBiz', '{"bizUrl": '],
  ['JSON array body', 'installBiz', '[1,2,3]'],
  ['JSON string body', 'installBiz', '"file:///x"'],
  ['__proto__ pollution', 'installBiz', '{"__proto__":{"polluted":true},"bizUrl":""}'],
  ['unknown command with ../', '..%2F..%2Fetc', '{}'],
];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-hostile-'));
  await mkdir(join(tmp, 'allowed'));
  await writeFile(join(tmp, 'sentinel.txt'), 'untouched');
  base = await createBase({
    env: {},
    config: {
      'server.port': 0,
      'server.address': '127.0.0.1',
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'spring.application.name': 'hostile-base',
      'nodeark.store.dir': join(tmp, 'store'),
      'nodeark.bundle.allowed-roots': `${examples},${join(tmp, 'allowed')}`,
      'nodeark.download.connect-timeout': 500,
      'logging.level.root': 'silent',
    },
  });
  ({ arkletUrl: arklet } = await base.listen());
  expect((await post('installBiz', JSON.stringify({ bizUrl: good.bizUrl }))).json?.code).toBe('SUCCESS');
  before = await tree(tmp);
});

afterAll(async () => {
  await base?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('hostile Arklet requests', () => {
  it(`has a corpus of at least 50 requests (${corpus.length + RAW.length})`, () => {
    expect(corpus.length + RAW.length).toBeGreaterThanOrEqual(50);
  });

  const cases: Array<[string, string, string]> = [
    ...corpus.map(([label, cmd, body]): [string, string, string] => [
      label,
      cmd,
      JSON.stringify(body, (_k, v: unknown) => (typeof v === 'string' && v.includes('ALLOWED') ? v.replace('ALLOWED', 'tmp') : v)),
    ]),
    ...RAW,
  ];
  it.each(cases)('%s → a clear JSON error, nothing changed', async (label, command, body) => {
    const listBefore = (await post('queryAllBiz', '{}')).json;
    const r = await post(command, body);
    expect(r.status, label).toBe(200);
    expect(r.json, `${label}: ${r.text.slice(0, 200)}`).toBeDefined();
    const code = r.json!.code as string;
    const data = r.json!.data as { code?: string } | undefined;
    if (command === 'health') {
      // health ignores what it cannot use, like Java, and still answers.
      expect(['SUCCESS', 'CMD_PROCESS_INTERNAL_ERROR']).toContain(code);
    } else if (code === 'SUCCESS') {
      // Only the deliberate deviation may succeed: uninstall of an unknown identity reports NOT_FOUND_BIZ.
      expect(data?.code, label).toBe('NOT_FOUND_BIZ');
    } else {
      expect(['FAILED', 'CMD_PROCESS_INTERNAL_ERROR', 'CMD_NOT_FOUND'], label).toContain(code);
      expect(typeof r.json!.message, label).toBe('string');
      expect((r.json!.message as string).length, label).toBeLessThan(2000);
    }
    expect((await post('queryAllBiz', '{}')).json, label).toEqual(listBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('wrote nothing outside the store and left the registry as it was', async () => {
    expect(await tree(tmp)).toEqual(before);
    const list = (await post('queryAllBiz', '{}')).json!.data as Array<{ bizName: string; bizState: string }>;
    expect(list.map((b) => `${b.bizName}=${b.bizState}`)).toEqual(['biz-hello=activated']);
    expect((await fetch(`${base.url}/hello/`)).status).toBe(200);
  });

  it('refuses a body over 1 MiB with 413 and no state change', async () => {
    const r = await post('installBiz', JSON.stringify({ bizUrl: 'x'.repeat(1_100_000) }));
    expect(r.status).toBe(413);
  });
});
