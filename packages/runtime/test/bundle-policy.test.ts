import { afterEach, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkBundlePolicy, packBundle } from '@nodeark/runtime';
import { fixture, startHarness, type Harness } from './helpers/harness.js';

let h: Harness | undefined;
let tmp: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

it('refuses hosts outside nodeark.bundle.allowed-hosts before any download', async () => {
  const policy = { allowedHosts: ['repo.example.com', '*.internal.example'] };
  await expect(checkBundlePolicy('https://evil.example.org/a.tgz', undefined, policy)).rejects.toMatchObject({
    code: 'NODEARK_ERR_BUNDLE_NOT_ALLOWED',
    statusCode: 403,
    message: expect.stringContaining('host evil.example.org is not in nodeark.bundle.allowed-hosts'),
  });
  await expect(checkBundlePolicy('https://repo.example.com/a.tgz', undefined, policy)).resolves.toBeUndefined();
  await expect(checkBundlePolicy('https://a.b.internal.example/a.tgz', undefined, policy)).resolves.toBeUndefined();
  // userinfo never appears in the message
  await expect(checkBundlePolicy('https://user:pw@evil.example.org/a.tgz', undefined, policy)).rejects.toThrow(/^(?!.*pw)/);
});

it('refuses local paths outside nodeark.bundle.allowed-roots, symlinks resolved', async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-policy-'));
  const root = dirname(fixture('fetch-app'));
  h = await startHarness({ bundlePolicy: { allowedRoots: [root] } });
  expect((await h.runtime.install({ bizUrl: pathToFileURL(fixture('fetch-app')).href })).code).toBe('SUCCESS');
  // A link inside an allowed root pointing outside it is refused.
  const outside = await mkdtemp(join(tmpdir(), 'nodeark-outside-'));
  try {
    await symlink(outside, join(tmp, 'link'));
    const policy = { allowedRoots: [tmp] };
    await expect(checkBundlePolicy(pathToFileURL(join(tmp, 'link')).href, undefined, policy)).rejects.toMatchObject({
      code: 'NODEARK_ERR_BUNDLE_NOT_ALLOWED',
    });
    await expect(h.runtime.install({ bizUrl: '/etc' })).rejects.toMatchObject({ code: 'NODEARK_ERR_BUNDLE_NOT_ALLOWED' });
    expect(h.runtime.list().map((b) => b.identity)).toEqual(['fetch-app:1.0.0']);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});

it('requires an integrity value in integrity-required mode, and verifies it', async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-policy-'));
  h = await startHarness({ bundlePolicy: { requireIntegrity: true } });
  const packed = await packBundle(fixture('node-app'), { outDir: tmp });
  const bizUrl = pathToFileURL(packed.file).href;
  await expect(h.runtime.install({ bizUrl })).rejects.toMatchObject({
    code: 'NODEARK_ERR_BUNDLE_NOT_ALLOWED',
    message: expect.stringContaining('integrity value'),
  });
  await expect(h.runtime.install({ bizUrl, integrity: 'sha256-AAAA' })).rejects.toMatchObject({ code: 'NODEARK_ERR_BUNDLE_INTEGRITY' });
  const integrity = `sha256-${createHash('sha256').update(await readFile(packed.file)).digest('base64')}`;
  expect((await h.runtime.install({ bizUrl, integrity })).code).toBe('SUCCESS');
});
