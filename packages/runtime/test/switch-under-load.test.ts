import { afterEach, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { fixtureUrl, startHarness, type Harness } from './helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

it('switches versions under a continuous request loop with zero failed requests', async () => {
  h = await startHarness();
  await h.runtime.install({ bizUrl: fixtureUrl('versioned-1.0.0') });
  const agent = new Agent({ connections: 8 });
  const seen = { '1.0.0': 0, '2.0.0': 0 } as Record<string, number>;
  const failures: string[] = [];
  let running = true;
  const deadline = Date.now() + 10_000; // bounded whatever happens
  const loop = async (): Promise<void> => {
    while (running && Date.now() < deadline) {
      try {
        const res = await request(`${h!.url}/versioned/`, { dispatcher: agent });
        const text = await res.body.text();
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`);
        else seen[text] = (seen[text] ?? 0) + 1;
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const loops = Array.from({ length: 8 }, loop);
  await new Promise((r) => setTimeout(r, 300));
  // install v2 (deactivated) while serving, switch to it, then uninstall v1 — all under load.
  expect((await h.runtime.install({ bizUrl: fixtureUrl('versioned-2.0.0') })).code).toBe('SUCCESS');
  await new Promise((r) => setTimeout(r, 200));
  expect((await h.runtime.switchBiz('versioned', '2.0.0')).code).toBe('SUCCESS');
  await new Promise((r) => setTimeout(r, 200));
  expect((await h.runtime.uninstall('versioned', '1.0.0')).code).toBe('SUCCESS');
  await new Promise((r) => setTimeout(r, 300));
  running = false;
  await Promise.all(loops);
  await agent.close();
  expect(failures).toEqual([]);
  expect(seen['1.0.0']).toBeGreaterThan(50);
  expect(seen['2.0.0']).toBeGreaterThan(50);
});
