import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import {
  createBase,
  createLogger,
  nodearkPlugin,
  type CreateBaseOptions,
  type NodearkBase,
  type NodearkLogger,
  type NodearkPluginOptions,
} from 'nodeark';

const logApp = pathToFileURL(fileURLToPath(new URL('./fixtures/log-app', import.meta.url))).href;
const ANSI = /\u001b\[/;

let app: FastifyInstance | undefined;
let base: NodearkBase | undefined;
let tmp: string | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await base?.close();
  base = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

/** An in-memory log destination. */
function memory(isTTY = false): { lines: string[]; stream: { write(line: string): void; isTTY: boolean } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line), isTTY } };
}

function parse(lines: string[]): Array<Record<string, unknown>> {
  return lines.flatMap((l) => l.split('\n')).filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor(what: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const MODULE = 'log-app:1.0.0';

describe("the host's logger", () => {
  it('nodearkPlugin takes app.log: base, runtime and module lines (console included) go to the host stream', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-logging-'));
    const { lines, stream } = memory();
    app = fastify({ logger: { level: 'info', stream } });
    // No cast: fastify's FastifyBaseLogger is a NodearkLogger.
    await app.register(nodearkPlugin, {
      logger: app.log,
      env: {},
      config: {
        'nodeark.store.dir': join(tmp, 'store'),
        'koupleless.arklet.http.port': 0,
        'koupleless.arklet.http.host': '127.0.0.1',
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await app.nodeark.runtime.install({ bizUrl: logApp });
    await waitFor(() => parse(lines).some((l) => l.msg === 'own fields named like the base ones'));

    const records = parse(lines);
    const moduleLines = records.filter((l) => l.component === 'module');
    expect(moduleLines.map((l) => l.msg)).toEqual([
      'hello from console.log 42',
      'started with fields',
      'something broke',
      'own fields named like the base ones',
    ]);
    for (const l of moduleLines) {
      expect(l).toMatchObject({ biz: MODULE, pid: process.pid });
      expect(typeof l.time).toBe('number');
    }
    expect(moduleLines[0]).toMatchObject({ level: 30, msg: 'hello from console.log 42' });
    expect(moduleLines[1]).toMatchObject({ level: 30, costMs: 12 });
    // The host's own err serializer keeps the module's error type.
    expect(moduleLines[2]).toMatchObject({ level: 50, err: { type: 'TypeError', message: 'something broke' } });
    expect(String((moduleLines[2]!.err as { stack: string }).stack)).toContain('TypeError: something broke');
    // A module cannot relabel its lines: its own `component`/`biz` are kept under module.*.
    expect(moduleLines[3]).toMatchObject({ 'module.component': 'db', 'module.biz': 'other:9.9.9' });

    expect(records.find((l) => l.msg === 'module installed')).toMatchObject({ component: 'runtime', biz: MODULE });
    expect(records.find((l) => l.msg === 'arklet listening')).toMatchObject({ component: 'arklet' });
    // One key is never written twice (pino would repeat a key bound twice).
    for (const line of lines) expect(line.match(/"component":/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it('createBase: every component writes the same field set', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-logging-'));
    const { lines, stream } = memory();
    const logger = pino({ level: 'info', name: 'nodeark', base: { pid: process.pid } }, stream);
    base = await createBase({
      env: {},
      logger,
      config: {
        'server.port': 0,
        'server.address': '127.0.0.1',
        'nodeark.store.dir': join(tmp, 'store'),
        'koupleless.arklet.http.port': 0,
        'koupleless.arklet.http.host': '127.0.0.1',
        // A controller that is not there: the tunnel warns.
        'koupleless.arklet.http.heartbeat.endpoint': `http://127.0.0.1:${await closedPort()}`,
      },
    });
    base.app.get('/fails', async () => {
      throw new Error('route failed');
    });
    const { url } = await base.listen();
    await base.runtime.install({ bizUrl: logApp });
    expect((await fetch(`${url}/fails`)).status).toBe(500);
    await waitFor(() => {
      const seen = new Set(parse(lines).map((l) => l.component));
      return ['base', 'arklet', 'http', 'tunnel', 'runtime', 'module'].every((c) => seen.has(c));
    });
    for (const l of parse(lines)) {
      expect(Object.keys(l).slice(0, 5)).toEqual(['level', 'time', 'pid', 'name', 'component']);
      expect(l).toMatchObject({ pid: process.pid, name: 'nodeark' });
      expect(typeof l.msg).toBe('string');
      if (l.component === 'module') expect(l.biz).toBe(MODULE);
    }
  });
});

describe('logging.format', () => {
  it('pretty: readable lines, no JSON, no colours on a stream that is not a terminal', () => {
    const { lines, stream } = memory(false);
    const log = createLogger({ format: 'pretty', destination: stream }).child({ component: 'arklet' });
    log.info({ biz: 'foo:1.0.0', costMs: 12, note: 'two words' }, 'install done');
    log.error({ err: new TypeError('bad input') }, 'install failed');
    log.warn({ err: { message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' } }, 'unreachable');
    const text = lines.join('');
    expect(text).not.toMatch(ANSI);
    expect(text.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    const out = text.split('\n');
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  \[arklet\] install done {2}biz=foo:1\.0\.0 costMs=12 note="two words"$/);
    expect(out[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR \[arklet\] install failed$/);
    // The stack follows, indented.
    expect(out[2]).toBe('    TypeError: bad input');
    expect(out[3]).toMatch(/^ {5,}at /);
    const warn = out.find((l) => l.includes('unreachable'));
    expect(warn).toMatch(/WARN {2}\[arklet\] unreachable {2}err="connect ECONNREFUSED" err\.code=ECONNREFUSED$/);
  });

  it('pretty: colours on a terminal unless NO_COLOR is set', () => {
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      const tty = memory(true);
      createLogger({ format: 'pretty', destination: tty.stream }).info('coloured');
      expect(tty.lines.join('')).toMatch(ANSI);

      process.env.NO_COLOR = '1';
      const plain = memory(true);
      createLogger({ format: 'pretty', destination: plain.stream }).info('plain');
      expect(plain.lines.join('')).not.toMatch(ANSI);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });

  it('json: one JSON object per line with level, time, pid, name, component, msg', () => {
    const { lines, stream } = memory(true);
    createLogger({ format: 'json', destination: stream }).child({ component: 'base' }).info({ url: 'http://x' }, 'base listening');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['level', 'time', 'pid', 'name', 'component', 'url', 'msg']);
    expect(line).toMatchObject({ level: 30, pid: process.pid, name: 'nodeark', component: 'base', msg: 'base listening' });
  });

  it('auto: pretty on a terminal, JSON otherwise', () => {
    const tty = memory(true);
    createLogger({ destination: tty.stream }).info('at a terminal');
    expect(tty.lines[0]).toMatch(/^[^{].*at a terminal/);
    const pipe = memory(false);
    createLogger({ destination: pipe.stream }).info('in a pipe');
    expect(JSON.parse(pipe.lines[0]!)).toMatchObject({ msg: 'in a pipe' });
  });

  it('createBase reads logging.format: pretty lines on stdout', async () => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      base = await createBase({ env: {}, config: { 'logging.format': 'pretty' } });
      base.logger.child({ component: 'base' }).info({ a: 1 }, 'pretty from config');
    } finally {
      process.stdout.write = write;
    }
    expect(written.find((l) => l.includes('pretty from config'))).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[base\] pretty from config {2}a=1\n$/);
  });
});

/** Compiled by `npm run typecheck`, never run: pino's and fastify's logger types are accepted as they are. */
export function loggerTypesFit(host: FastifyBaseLogger, plain: Logger): NodearkLogger[] {
  const fromHost: CreateBaseOptions = { logger: host };
  const fromPino: NodearkPluginOptions = { logger: plain };
  return [fromHost.logger!, fromPino.logger!, plain.child({ component: 'x' })];
}
