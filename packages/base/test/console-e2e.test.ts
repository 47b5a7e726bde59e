/**
 * The web console as a user drives it (docs/console.md): headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`) against a real base with real module workers and real archives packed from the test
 * fixtures. Each step is checked twice: in the page's module table, and in the Arklet's own `queryAllBiz`.
 *
 * Chromium must be installed (`.ci/run` installs it): without it this file fails, it does not skip.
 * `NODEARK_CONSOLE_SCREENSHOT=<file.png>` also writes the screenshot used in docs/console.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { packBundle } from '@nodeark/runtime';
import { createBase, type NodearkBase } from 'nodeark';
import { loopbackConfig } from './helpers/loopback-config.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtureUrl = (name: string): string => pathToFileURL(join(fixtures, name)).href;

let base: NodearkBase;
let url: string;
let arkletUrl: string;
let tmp: string;
let context: BrowserContext;
let page: Page;
let greeterV1: string;
let greeterV2: string;

interface QueriedBiz {
  bizName: string;
  bizVersion: string;
  bizState: string;
}

/** The Arklet's own view: `name:version` → state, from `queryAllBiz`. */
async function arkletState(): Promise<Record<string, string>> {
  const res = await fetch(`${arkletUrl}/queryAllBiz`, { method: 'POST', body: '{}' });
  const env = (await res.json()) as { code: string; data: QueriedBiz[] };
  expect(env.code).toBe('SUCCESS');
  return Object.fromEntries(env.data.map((b) => [`${b.bizName}:${b.bizVersion}`, b.bizState]));
}

/** The page's module table: identity → state. */
async function tableState(): Promise<Record<string, string>> {
  const rows = await page.locator('#module-rows tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.getAttribute('data-identity') ?? '', tr.querySelector('td.state')?.textContent ?? '']),
  );
  return Object.fromEntries(rows);
}

/** Waits (bounded) until the page's table equals `expected`. */
async function expectTable(expected: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  let seen: Record<string, string> = {};
  while (Date.now() < deadline) {
    seen = await tableState();
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await page.waitForTimeout(100);
  }
  expect(seen).toEqual(expected);
}

/** Runs a console action and returns the answer the page shows (summary, verbatim body). */
async function answerAfter(action: () => Promise<void>): Promise<{ summary: string; body: string }> {
  // Runs in the page: the test program has no DOM types, so the page's globalThis is typed by hand.
  await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } })
      .document;
    doc.getElementById('answer-summary')!.textContent = '';
  });
  await action();
  const summary = page.locator('#answer-summary');
  await expect.poll(async () => summary.textContent(), { timeout: 20_000 }).toMatch(/→/);
  return { summary: (await summary.textContent()) ?? '', body: (await page.locator('#answer').textContent()) ?? '' };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the console's end-to-end test needs it ` +
        '(apt-get install -y --no-install-recommends chromium; .ci/run installs it)',
    );
  }
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-console-'));
  const archives = join(tmp, 'archives');
  greeterV1 = pathToFileURL((await packBundle(join(fixtures, 'console-greeter-1'), { outDir: archives })).file).href;
  greeterV2 = pathToFileURL((await packBundle(join(fixtures, 'console-greeter-2'), { outDir: archives })).file).href;
  base = await createBase({ env: {}, config: loopbackConfig(tmp, { 'nodeark.console.enabled': true }) });
  ({ url, arkletUrl } = await base.listen());
  for (const bizUrl of [fixtureUrl('metrics-b'), fixtureUrl('cpu-burn')]) {
    expect((await base.runtime.install({ bizUrl })).code).toBe('SUCCESS');
  }
  context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1366, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 60_000);

afterAll(async () => {
  await context?.close();
  await base?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the web console in Chromium', () => {
  it('shows the installed modules, live', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${url}/nodeark/console`);
    await expect.poll(() => page.locator('#connection').textContent(), { timeout: 10_000 }).toBe('Live');
    await expectTable({ 'cpu-burn:1.0.0': 'activated', 'metrics-b:2.0.0': 'activated' });
    expect(await arkletState()).toEqual({ 'cpu-burn:1.0.0': 'activated', 'metrics-b:2.0.0': 'activated' });
    const row = page.locator('tr[data-identity="metrics-b:2.0.0"]');
    await expect.poll(() => row.locator('td.health summary').textContent(), { timeout: 10_000 }).toBe('UP');
    expect(await row.locator('td.path a').getAttribute('href')).toBe('/mb/');
    // One chart per figure, labelled for screen readers.
    expect(await row.locator('svg[role="img"]').count()).toBe(3);
    expect(await row.locator('svg[role="img"]').first().getAttribute('aria-label')).toMatch(/^Requests per second/);
    expect(errors).toEqual([]);
  });

  it('installs a module from a bizUrl and shows the Arklet answer', async () => {
    await page.getByLabel('Bundle URL (bizUrl)').fill(greeterV1);
    const answer = await answerAfter(() => page.getByRole('button', { name: 'Install', exact: true }).click());
    expect(answer.summary).toMatch(/^installBiz → SUCCESS/);
    // Verbatim: the Arklet's envelope as it sent it.
    const env = JSON.parse(answer.body) as { code: string; data: { bizInfos: Array<{ identity: string }> } };
    expect(env.code).toBe('SUCCESS');
    expect(env.data.bizInfos[0]!.identity).toBe('console-greeter:1.0.0');
    const expected = { 'console-greeter:1.0.0': 'activated', 'cpu-burn:1.0.0': 'activated', 'metrics-b:2.0.0': 'activated' };
    await expectTable(expected);
    expect(await arkletState()).toEqual(expected);
    expect(await (await fetch(`${url}/greeter/`)).text()).toBe('greeter 1.0.0');
    // The health indicator's details are in the row.
    const health = page.locator('tr[data-identity="console-greeter:1.0.0"] td.health');
    await health.locator('summary').click();
    await expect.poll(() => health.locator('dl').textContent(), { timeout: 10_000 }).toContain('"version":"1.0.0"');
  });

  it('switches the activated version', async () => {
    await page.getByLabel('Bundle URL (bizUrl)').fill(greeterV2);
    expect((await answerAfter(() => page.getByLabel('Bundle URL (bizUrl)').press('Enter'))).summary).toMatch(
      /^installBiz → SUCCESS/,
    );
    await expectTable({
      'console-greeter:1.0.0': 'activated',
      'console-greeter:2.0.0': 'deactivated',
      'cpu-burn:1.0.0': 'activated',
      'metrics-b:2.0.0': 'activated',
    });
    const answer = await answerAfter(() =>
      page.getByRole('button', { name: 'Switch console-greeter to version 2.0.0' }).click(),
    );
    expect(answer.summary).toMatch(/^switchBiz → SUCCESS/);
    const expected = {
      'console-greeter:1.0.0': 'deactivated',
      'console-greeter:2.0.0': 'activated',
      'cpu-burn:1.0.0': 'activated',
      'metrics-b:2.0.0': 'activated',
    };
    await expectTable(expected);
    expect(await arkletState()).toEqual(expected);
    expect(await (await fetch(`${url}/greeter/`)).text()).toBe('greeter 2.0.0');
    // Only a deactivated version offers the switch.
    expect(await page.getByRole('button', { name: 'Switch console-greeter to version 2.0.0' }).isVisible()).toBe(false);
  });

  it('uninstalls only after confirmation', async () => {
    const before = await arkletState();
    const uninstall = page.getByRole('button', { name: 'Uninstall console-greeter 1.0.0' });
    // Cancelled: nothing changes.
    await uninstall.click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('Uninstall console-greeter 1.0.0?');
    await page.keyboard.press('Escape');
    expect(await dialog.isVisible()).toBe(false);
    await page.waitForTimeout(300);
    expect(await arkletState()).toEqual(before);
    expect(await tableState()).toEqual(before);

    await uninstall.click();
    const answer = await answerAfter(() => dialog.getByRole('button', { name: 'Uninstall' }).click());
    expect(answer.summary).toMatch(/^uninstallBiz → SUCCESS/);
    const expected = { 'console-greeter:2.0.0': 'activated', 'cpu-burn:1.0.0': 'activated', 'metrics-b:2.0.0': 'activated' };
    await expectTable(expected);
    expect(await arkletState()).toEqual(expected);
    // The transitions list shows the uninstall.
    expect(await page.locator('#transitions').textContent()).toContain('console-greeter:1.0.0: deactivated → stopped');
  });

  it('draws the live charts from real traffic (and takes the docs screenshot when asked)', async () => {
    // Traffic for a few chart points (for the screenshot, long enough to fill the charts): the greeter in
    // waves, cpu-burn with slower requests, metrics-b now and then.
    const shot = process.env['NODEARK_CONSOLE_SCREENSHOT'];
    const start = Date.now();
    const until = start + (shot ? 50_000 : 7_000);
    while (Date.now() < until) {
      const wave = Math.round(4 + 4 * Math.sin((Date.now() - start) / 5_000));
      await Promise.all([
        ...Array.from({ length: wave + 1 }, async () => (await fetch(`${url}/greeter/`)).text()),
        (await fetch(`${url}/burn/spin?ms=${5 + wave * 3}`)).text(),
        (await fetch(`${url}/mb/item/1`)).text(),
      ]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const row = page.locator('tr[data-identity="console-greeter:2.0.0"]');
    await expect
      .poll(async () => Number(((await row.locator('.spark-value').first().textContent()) ?? '0').replace('/s', '')), {
        timeout: 10_000,
      })
      .toBeGreaterThan(1);
    expect((await row.locator('path.spark-line').first().getAttribute('d')) ?? '').toMatch(/^M[\d.]+,[\d.]+L/);
    expect(await row.locator('.spark-value').nth(1).textContent()).toMatch(/ms$/);
    expect(await row.locator('.spark-value').nth(2).textContent()).toMatch(/MiB$/);
    if (shot) await page.screenshot({ path: shot, fullPage: true });
  }, 90_000);
  it('shows the Arklet error for bad input and changes nothing', async () => {
    const before = await arkletState();
    const missing = pathToFileURL(resolve(tmp, 'no-such-module-9.9.9.tgz')).href;
    await page.getByLabel('Bundle URL (bizUrl)').fill(missing);
    const answer = await answerAfter(() => page.getByRole('button', { name: 'Install', exact: true }).click());
    // Exactly what the Arklet answers to the same request over its own port.
    const direct = await (await fetch(`${arkletUrl}/installBiz`, { method: 'POST', body: JSON.stringify({ bizUrl: missing }) })).json();
    const shown = JSON.parse(answer.body) as { code: string; message: string };
    expect(shown.code).toBe((direct as { code: string }).code);
    expect(shown.code).not.toBe('SUCCESS');
    expect(shown.message).toBe((direct as { message: string }).message);
    expect(shown.message).toContain('Bundle not found');
    expect(answer.summary).toContain(shown.message);
    await page.waitForTimeout(300);
    expect(await arkletState()).toEqual(before);
    expect(await tableState()).toEqual(before);
    expect(await page.locator('#operations li').first().textContent()).toContain(shown.code);
  });

});
