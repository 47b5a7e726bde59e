/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Rejects after `ms` when `p` has not settled, naming `label`: for a promise that a defect could leave
 * pending forever (a `close()` that hangs), so that the case fails with a reason instead of at the test
 * timeout.
 */
export function within<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
