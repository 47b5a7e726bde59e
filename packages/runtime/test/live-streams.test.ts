/**
 * Live streams through the socket link: what a module writes reaches the client as written, a response
 * whose head is out is not cut by the request timeout, a departed client reaches the module (`'close'`
 * on its Node objects, `request.signal` and the body stream's `cancel` for fetch modules), the idle
 * timeout closes a quiet stream, and a client that does not read holds the module back (bounded memory).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { fixtureUrl, startHarness, waitFor, type Harness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  // A short request timeout: streams must outlive it once their head is out.
  h = await startHarness({ requestTimeoutMs: 400, idleTimeoutMs: 600 });
  for (const name of ['live', 'live-fetch']) {
    const r = await h.runtime.install({ bizUrl: fixtureUrl(name) });
    expect(r.code).toBe('SUCCESS');
  }
});
afterAll(async () => {
  await h.close();
});

async function stats(prefix: string): Promise<Record<string, number>> {
  return (await (await fetch(`${h.url}/${prefix}/stats`)).json()) as Record<string, number>;
}

function open(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.url}${path}`, resolve);
    req.on('error', reject);
    req.end();
  });
}

describe('live streams', () => {
  it('delivers an endless SSE stream event by event, beyond the request timeout, and tells the module when the client leaves', async () => {
    const before = await stats('live');
    const t0 = Date.now();
    const res = await open('/live/sse-forever');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    const arrivals: number[] = [];
    await new Promise<void>((resolve) => {
      res.on('data', (chunk: Buffer) => {
        const events = chunk.toString().match(/data: \d+/g)?.length ?? 0;
        for (let i = 0; i < events; i++) arrivals.push(Date.now() - t0);
        if (arrivals.length >= 8) resolve();
      });
    });
    // 8 events 100 ms apart: the stream outlived the 400 ms request timeout and arrived spread out.
    expect(arrivals[7]! - arrivals[0]!).toBeGreaterThanOrEqual(500);
    res.destroy();
    await waitFor(async () => (await stats('live')).closed > before.closed!);
    const after = await stats('live');
    expect(after.aborted).toBe(before.aborted! + 1);
  });

  it('streams a fetch module body live and aborts request.signal and the body when the client leaves', async () => {
    const t0 = Date.now();
    const res = await open('/live-fetch/ticks');
    expect(res.headers['content-length']).toBeUndefined();
    const arrivals: number[] = [];
    await new Promise<void>((resolve) => {
      res.on('data', () => {
        arrivals.push(Date.now() - t0);
        if (arrivals.length >= 5) resolve();
      });
    });
    expect(arrivals[4]! - arrivals[0]!).toBeGreaterThanOrEqual(250);
    res.destroy();
    await waitFor(async () => {
      const s = await stats('live-fetch');
      return s.aborted! >= 1 && s.cancelled! >= 1;
    });
  });

  it('sends a body complete in the first turn with a Content-Length', async () => {
    const res = await fetch(`${h.url}/live-fetch/whole`);
    expect(res.headers.get('content-length')).toBe('11');
    expect(await res.text()).toBe('all at once');
  });

  it('closes a stream quiet for longer than the idle timeout, and the module sees it', async () => {
    const before = await stats('live');
    const t0 = Date.now();
    const res = await open('/live/quiet');
    const ended = await new Promise<string>((resolve) => {
      res.on('data', () => {});
      res.on('error', () => resolve('error'));
      res.on('aborted', () => resolve('aborted'));
      res.on('close', () => resolve('close'));
    });
    expect(ended).toBeTruthy();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(res.complete).toBe(false);
    await waitFor(async () => (await stats('live')).closed > before.closed!);
  });

  it('holds back a module writing to a client that does not read (bounded, not buffered in memory)', async () => {
    const res = await open('/live/firehose');
    res.pause();
    // Less than the 600 ms idle timeout, which would otherwise close the stalled stream.
    await new Promise((r) => setTimeout(r, 400));
    const written = (await stats('live')).written!;
    // Socket buffers on both TCP hops plus the link's window: a few MiB at most, not the ~GB a second
    // of unbounded writing would produce.
    expect(written).toBeLessThan(32 * 1024 * 1024);
    res.resume();
    let got = 0;
    await new Promise<void>((resolve, reject) => {
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got > written + 1024 * 1024) resolve();
      });
      res.on('close', () => reject(new Error(`stream closed after ${got} bytes`)));
    });
    res.destroy();
    expect((await stats('live')).written).toBeGreaterThan(written);
  });

  it('streams a request body back while it is still being sent (duplex within one request)', async () => {
    const req = httpRequest(`${h.url}/live/echo-body`, { method: 'POST' });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.write('ping-1');
    });
    const first = await new Promise<string>((resolve) => res.once('data', (c: Buffer) => resolve(c.toString())));
    expect(first).toBe('ping-1');
    req.write('ping-2');
    const second = await new Promise<string>((resolve) => res.once('data', (c: Buffer) => resolve(c.toString())));
    expect(second).toBe('ping-2');
    req.end();
    await new Promise((r) => res.on('end', r).resume());
  });
});
