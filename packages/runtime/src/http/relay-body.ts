/**
 * The relay of a module's response body to the client, chunk by chunk as the module writes it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModuleMeter } from '../metrics/module-metrics.js';

/**
 * Relays a module's response body as it comes. The head goes out at once when no body byte came with it
 * (`flushHeaders()`, SSE, long polls): checked once the link data that carried the head has been parsed.
 * (`res.headersSent` is already true after writeHead, before anything went out, so it cannot tell.)
 */
export function relayBody(ires: IncomingMessage, res: ServerResponse, meter: ModuleMeter | undefined): void {
  queueMicrotask(() => {
    if (!ires.complete && ires.readableLength === 0 && !res.writableEnded && !res.destroyed) res.flushHeaders();
  });
  // The latest chunk is held until the next microtask: when the body's end follows in the same tick (a
  // complete response), the chunk and the end go out in one write; otherwise it is written at once.
  let held: Buffer | undefined;
  const resume = (): void => {
    ires.resume();
  };
  const writeHeld = (): void => {
    const chunk = held;
    if (chunk === undefined) return;
    held = undefined;
    if (!res.write(chunk)) {
      ires.pause();
      res.once('drain', resume);
    }
  };
  ires.on('data', (chunk: Buffer) => {
    if (meter !== undefined) meter.bytesOut += chunk.length;
    if (held !== undefined) writeHeld();
    held = chunk;
    queueMicrotask(writeHeld);
  });
  ires.on('end', () => {
    const chunk = held;
    held = undefined;
    if (chunk !== undefined) res.end(chunk);
    else res.end();
  });
  ires.on('error', () => res.destroy());
}
