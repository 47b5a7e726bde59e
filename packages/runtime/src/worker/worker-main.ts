/**
 * The entry of every module worker: loads the module, runs `start(ctx)`, then serves bridged requests,
 * health checks and the final `stop(ctx)`. One worker per installed module version (design.md § Lifecycle).
 *
 * Anything the module throws outside a request (at import, in a timer, an unhandled rejection) is left to
 * kill this worker: the base sees `'error'`/`'exit'` and marks the module `broken`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BizContext, BizDefinition } from '@nodeark/biz';
import { serializeError } from '../errors.js';
import { createBizLogger } from './biz-logger.js';
import { installChildProcessGuard } from './child-process-guard.js';
import { dispatchFetch } from './fetch-dispatch.js';
import { evaluateHealth } from './health-eval.js';
import { IncomingBody } from './incoming-body.js';
import { dispatchNode } from './node-dispatch.js';
import { OutgoingBody } from './outgoing-body.js';
import type { FromWorker, ReqMessage, ToWorker, WorkerBootData } from './protocol.js';

if (!parentPort) throw new Error('worker-main must run inside a worker thread');
const port = parentPort;
const boot = workerData as WorkerBootData;

/*
 * HTTP messages to the base are batched per event-loop turn (one postMessage, an array when there are
 * several, flushed at setImmediate), like the base side in request-bridge.ts: every postMessage wakes the
 * base thread. Control messages (ready, health, stopped) go out at once, after anything still batched.
 */
const outbox: FromWorker[] = [];
const outboxTransfer: ArrayBuffer[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  const n = outbox.length;
  if (n === 0) return;
  try {
    const msg = n === 1 ? outbox[0] : outbox;
    if (outboxTransfer.length > 0) port.postMessage(msg, outboxTransfer);
    else port.postMessage(msg);
  } catch {
    // Could not clone the batch: send one by one so only the failing message is lost, and fail its request.
    const batch = outbox.slice();
    outbox.length = 0;
    outboxTransfer.length = 0;
    for (const m of batch) {
      try {
        port.postMessage(m, 'body' in m && m.body ? [m.body] : 'data' in m ? [m.data] : []);
      } catch (err) {
        if ('id' in m && m.t !== 'error') port.postMessage({ t: 'error', id: m.id, error: serializeError(err) });
      }
    }
  }
  outbox.length = 0;
  outboxTransfer.length = 0;
}

/** Queues an HTTP message (res, chunk, end, error, ack) for this turn's batch; anything else uses postNow. */
const post = (msg: FromWorker, transfer?: ArrayBuffer[]): void => {
  outbox.push(msg);
  if (transfer) for (const b of transfer) outboxTransfer.push(b);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
};

/** Sends a control message now, after the HTTP messages queued before it. */
const postNow = (msg: FromWorker): void => {
  flush();
  port.postMessage(msg);
};
// process.exit() in a module: deliver the answers it already produced, as an unbatched bridge would.
process.on('exit', flush);

const stopController = new AbortController();
const ctx: BizContext = Object.freeze({
  bizName: boot.bizName,
  bizVersion: boot.bizVersion,
  webContextPath: boot.webContextPath,
  args: Object.freeze([...boot.args]),
  env: Object.freeze({ ...boot.env }),
  logger: createBizLogger(`${boot.bizName}:${boot.bizVersion}`, boot.logLevel, (line) => process.stdout.write(line)),
  signal: stopController.signal,
});

interface Active {
  out: OutgoingBody;
  incoming: IncomingBody | undefined;
  abort: AbortController;
}
const active = new Map<number, Active>();
let definition: BizDefinition = {};

installChildProcessGuard(boot.childProcesses, `${boot.bizName}:${boot.bizVersion}`, postNow);

async function load(): Promise<BizDefinition> {
  const mod = (await import(boot.entryUrl)) as { default?: unknown };
  let exported: unknown = mod.default ?? mod;
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  if (typeof exported !== 'object' || exported === null) {
    throw new TypeError(`the module's default export must be an object or a function returning one`);
  }
  return exported as BizDefinition;
}

/** `fn.bind(definition)`, made once per handler rather than per request (re-made if the module swaps it). */
let boundSource: unknown;
let boundFn: unknown;
function bound<F extends (...args: never[]) => unknown>(fn: F): F {
  if (fn !== boundSource) {
    boundSource = fn;
    boundFn = fn.bind(definition);
  }
  return boundFn as F;
}

function onRequest(msg: ReqMessage): void {
  const out = new OutgoingBody(msg.id, post);
  const incoming = msg.streaming ? new IncomingBody(msg.id, post) : undefined;
  const abort = new AbortController();
  active.set(msg.id, { out, incoming, abort });
  const done = (): void => {
    active.delete(msg.id);
  };
  if (typeof definition.fetch === 'function') {
    void dispatchFetch(bound(definition.fetch), ctx, msg, incoming, out, abort.signal).then(done);
  } else if (typeof definition.handler === 'function') {
    void dispatchNode(bound(definition.handler), msg, incoming, out).then(done);
  } else {
    out.fail({ name: 'Error', message: 'module serves no HTTP', code: 'NODEARK_ERR_ROUTE_NO_HANDLER' });
    done();
  }
}

port.on('message', (msg: ToWorker | ToWorker[]) => {
  if (Array.isArray(msg)) {
    for (const m of msg) onMessage(m);
  } else {
    onMessage(msg);
  }
});

function onMessage(msg: ToWorker): void {
  switch (msg.t) {
    case 'req':
      onRequest(msg);
      return;
    case 'chunk':
    case 'end':
      active.get(msg.id)?.incoming?.onMessage(msg);
      return;
    case 'ack':
      active.get(msg.id)?.out.ack(msg.bytes);
      return;
    case 'abort': {
      const a = active.get(msg.id);
      if (!a) return;
      a.incoming?.onMessage(msg);
      a.out.abort();
      a.abort.abort();
      active.delete(msg.id);
      return;
    }
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
  definition = await load();
  await definition.start?.(ctx);
  const serves = typeof definition.fetch === 'function' ? 'fetch' : typeof definition.handler === 'function' ? 'handler' : 'none';
  const healthIndicators =
    definition.health && typeof definition.health === 'object'
      ? Object.keys(definition.health).filter((k) => typeof definition.health![k] === 'function')
      : [];
  postNow({ t: 'ready', serves, healthIndicators });
} catch (err) {
  postNow({ t: 'startFailed', error: serializeError(err) });
}
