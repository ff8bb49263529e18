/** Node's setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days), so longer waits are chained. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A timer that can be cancelled, for any delay. */
export interface LongTimer {
  cancel(): void;
}

/** Calls `callback` once after `delayMs`, which may exceed Node's timer limit. */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimer {
  let handle: NodeJS.Timeout;
  const deadline = Date.now() + delayMs;

  const arm = (remainingMs: number): void => {
    handle = setTimeout(() => {
      const left = deadline - Date.now();
      if (left > 0) arm(left);
      else callback();
    }, Math.min(Math.max(remainingMs, 0), MAX_TIMER_DELAY_MS));
  };
  arm(delayMs);

  return { cancel: () => clearTimeout(handle) };
}

/** Resolves after `delayMs`, or at once when `signal` aborts. */
export function sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      timer.cancel();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setLongTimeout(done, delayMs);
    signal?.addEventListener("abort", done, { once: true });
  });
}
