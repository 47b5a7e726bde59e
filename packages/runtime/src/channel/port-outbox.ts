/**
 * Per-turn batching of messages to the other thread. Every `postMessage` wakes the receiving thread, a
 * system call that cost as much as writing a response to a socket on the 2-core bench machine; under load
 * several messages are produced per event-loop turn, so they leave together at `setImmediate`: one
 * message as is, several as one array. Used by both ends of the worker link (see docs/module-contract.md
 * § How requests reach a module).
 */

/** Anything with `postMessage` (a Worker or a MessagePort). */
export interface MessageTarget {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
}

/** Queues messages for the end of this event-loop turn. */
export class PortOutbox<M> {
  private readonly queue: M[] = [];
  private readonly transfer: ArrayBuffer[] = [];
  private scheduled = false;
  private readonly flushBound = (): void => this.flush();

  constructor(
    private readonly target: MessageTarget,
    /** Called when a batch cannot be posted (the other side is gone). */
    private readonly onFailure: (err: unknown) => void = () => {},
  ) {}

  /** Queues `msg` (transferring `buffer` when given). */
  post(msg: M, buffer?: ArrayBuffer): void {
    this.queue.push(msg);
    if (buffer) this.transfer.push(buffer);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /** Sends what is queued now (also called before an unbatched control message, to keep order). */
  flush(): void {
    this.scheduled = false;
    const n = this.queue.length;
    if (n === 0) return;
    // postMessage serialises synchronously, so the arrays can be reused right after it.
    const msg = n === 1 ? this.queue[0] : this.queue;
    try {
      if (this.transfer.length > 0) this.target.postMessage(msg, this.transfer);
      else this.target.postMessage(msg);
    } catch (err) {
      this.onFailure(err);
    } finally {
      this.queue.length = 0;
      this.transfer.length = 0;
    }
  }

  /** Drops anything queued (the other side is gone). */
  clear(): void {
    this.queue.length = 0;
    this.transfer.length = 0;
  }
}
