/**
 * The entry of every module worker: loads the module, runs `start(ctx)`, builds the module's `node:http`
 * server, then accepts the connections the base opens over the socket link, and answers health checks
 * and the final `stop(ctx)`. One worker per installed module version (docs/module-contract.md).
 *
 * Anything the module throws outside a request (at import, in a timer, an unhandled rejection) is left to
 * kill this worker: the base sees `'error'`/`'exit'` and marks the module `broken`.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { Server } from 'node:http';
import type { BizContext, BizDefinition } from '@nodeark/biz';
import { PortOutbox } from '../channel/port-outbox.js';
import { isSocketMessage } from '../channel/messages.js';
import { SocketLink } from '../channel/socket-link.js';
import { serializeError } from './serialized-error.js';
import { createBizLogger } from './biz-logger.js';
import { installChildProcessGuard } from './child-process-guard.js';
import { tagConsole } from './console-tag.js';
import { evaluateHealth } from './health-eval.js';
import { currentKernelThreadId, currentThreadCpuSeconds } from '../metrics/thread-cpu.js';
import { createModuleServer } from './module-server.js';
import type { FromWorker, SpareWorkerData, ToWorker, WorkerAssignment, WorkerBootData } from './protocol.js';
import { resolveDefinition } from './resolve-definition.js';

if (!parentPort) throw new Error('worker-main must run inside a worker thread');
const port = parentPort;
const boot: WorkerBootData = isSpare(workerData) ? await assignment() : (workerData as WorkerBootData);

function isSpare(data: unknown): data is SpareWorkerData {
  return typeof data === 'object' && data !== null && (data as Partial<SpareWorkerData>).spare === true;
}

/**
 * A spare (spare-workers.ts) has loaded everything above before it knows its module; it takes the module's
 * boot data and environment from its first message. The environment is applied before the module is
 * imported, so the module sees exactly what a worker spawned for it would.
 */
function assignment(): Promise<WorkerBootData> {
  return new Promise((resolve) => {
    port.once('message', (msg: WorkerAssignment) => {
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, msg.processEnv);
      resolve(msg.boot);
    });
  });
}
const identity = `${boot.bizName}:${boot.bizVersion}`;

// Socket traffic is batched per turn (see channel/port-outbox.ts); control messages go out at once,
// after anything still batched, so their order is kept.
const outbox = new PortOutbox<FromWorker>(port);
const postNow = (msg: FromWorker): void => {
  outbox.flush();
  port.postMessage(msg);
};
// process.exit() in a module: deliver the bytes it already wrote.
process.on('exit', () => outbox.flush());

const stopController = new AbortController();
// Module lines go to the base, which writes them through its logger (biz-log-sink.ts). They leave with the
// turn's other traffic; error and fatal lines leave at once, as the worker may be about to die.
const logger = createBizLogger(boot.logLevel, (record) => {
  if (record.level >= 50) postNow(record);
  else outbox.post(record);
});
// An uncaught exception is about to end this worker: deliver the lines logged before it (the monitor
// only observes; the worker still dies).
process.on('uncaughtExceptionMonitor', () => outbox.flush());
tagConsole(logger);
const ctx: BizContext = Object.freeze({
  bizName: boot.bizName,
  bizVersion: boot.bizVersion,
  webContextPath: boot.webContextPath,
  args: Object.freeze([...boot.args]),
  env: Object.freeze({ ...boot.env }),
  logger,
  signal: stopController.signal,
});

let definition: BizDefinition = {};
let server: Server | undefined;

/** A request listener failed: logged with its stack; the request itself is answered 500. */
function onHandlerError(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  logger.error({ err: { type: e.name, message: e.message, stack: e.stack } } as never, 'request handler failed');
}

const link = new SocketLink(
  (msg, transfer) => outbox.post(msg, transfer),
  (socket) => {
    if (server) server.emit('connection', socket);
    else socket.destroy();
  },
);

installChildProcessGuard(boot.childProcesses, identity, postNow);

/**
 * Heap figures and CPU time for the base's metrics (docs/observability.md): only this thread can read its own
 * isolate's heap and (on Node 20) its own CPU time, so it reports them every `statsIntervalMs`, with the turn's
 * other traffic, and its kernel thread id for the base to read the CPU time fresh (metrics/thread-cpu.ts).
 * The timer is unref'd: it never keeps a worker alive.
 */
function reportHeap(): void {
  if (!boot.statsIntervalMs) return;
  const tid = currentKernelThreadId();
  const send = (): void => {
    const h = getHeapStatistics();
    // Where the base can read this thread's CPU time itself (it knows the tid), it does, at every scrape.
    const cpu = tid === undefined ? currentThreadCpuSeconds() : undefined;
    outbox.post({
      t: 'stats',
      heapUsed: h.used_heap_size,
      heapTotal: h.total_heap_size,
      heapLimit: h.heap_size_limit,
      external: h.external_memory,
      ...(cpu !== undefined ? { cpu } : {}),
      ...(tid !== undefined ? { tid } : {}),
      at: Date.now(),
    });
  };
  send();
  setInterval(send, boot.statsIntervalMs).unref();
}

port.on('message', (msg: ToWorker | ToWorker[]) => {
  if (Array.isArray(msg)) {
    for (const m of msg) onMessage(m);
  } else {
    onMessage(msg);
  }
});

function onMessage(msg: ToWorker): void {
  if (isSocketMessage(msg)) {
    link.handle(msg);
    return;
  }
  switch (msg.t) {
    case 'health':
      void evaluateHealth(definition.health, boot.healthTimeoutMs).then(
        (result) => postNow({ t: 'health', id: msg.id, result }),
        (err: unknown) =>
          postNow({
            t: 'health',
            id: msg.id,
            result: { status: 'DOWN', components: { worker: { status: 'DOWN', details: { error: String(err) } } } },
          }),
      );
      return;
    case 'stop':
      stopController.abort();
      void Promise.resolve()
        .then(() => definition.stop?.(ctx))
        .then(
          () => postNow({ t: 'stopped' }),
          (err: unknown) => postNow({ t: 'stopped', error: serializeError(err) }),
        );
      return;
  }
}

try {
  definition = await resolveDefinition((await import(boot.entryUrl)) as { default?: unknown });
  await definition.start?.(ctx);
  const built = createModuleServer(definition, ctx, onHandlerError);
  server = built.server;
  const healthIndicators =
    definition.health && typeof definition.health === 'object'
      ? Object.keys(definition.health).filter((k) => typeof definition.health![k] === 'function')
      : [];
  postNow({ t: 'ready', serves: built.serves, upgrade: built.upgrade, healthIndicators });
  reportHeap();
} catch (err) {
  postNow({ t: 'startFailed', error: serializeError(err) });
}
