/**
 * A small bounded pool for independent fs operations. Unpacking thousands of small files one await at a
 * time is dominated by thread-pool round trips; a few writes in flight make it several times faster
 * while memory stays bounded (at most `size` buffered files).
 */

/** Runs async tasks with at most `size` in flight; remembers the first failure. */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly size: number) {}

  /**
   * Starts `task` once a slot is free. Resolves (as soon as it started) to `{ done }`, the task's own
   * promise, wrapped so that awaiting `run` does not wait for the task; `done` never rejects (a failure
   * is recorded instead). Throws the first recorded failure instead of starting more work.
   */
  async run(task: () => Promise<void>): Promise<{ done: Promise<void> }> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    if (this.failure) throw this.failure.error;
    const p = task().catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return { done: p };
  }

  /** Throws the first recorded failure, if there was one (after awaiting a task's `done`). */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for everything in flight, then throws the first failure if there was one. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure.error;
  }

  /** Waits for everything in flight, ignoring failures (cleanup after another error). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
