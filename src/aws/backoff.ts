import type { Logger } from "../log/logger.ts";
import { sleep } from "../util/timers.ts";
import { awsErrorCode } from "./awsErrors.ts";

/** First retry delay. */
export const BASE_BACKOFF_MS = 500;
/** Largest retry delay, so that a worker notices a recovered service within this time. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * Returns the delay before retry number `attempt` (1 for the first retry):
 * exponential growth capped at `capMs`, drawn at random from the upper
 * half of that ceiling so that many workers do not retry in step.
 */
export function backoffDelayMs(attempt: number, baseMs = BASE_BACKOFF_MS, capMs = MAX_BACKOFF_MS, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Settings of `retryTransient`. */
export interface RetryOptions {
  /** Calls made at most, the first included. */
  readonly attempts: number;
  /** Returns whether an error may go away by itself. */
  readonly isTransient: (error: unknown) => boolean;
  /** Action being retried, for the log, such as "deleting the message". */
  readonly action: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

/** Calls `operation` until it succeeds, retrying transient errors with capped backoff. Throws the last error. */
export async function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const retry = attempt < options.attempts && options.isTransient(error) && !options.signal?.aborted;
      if (!retry) throw error;
      const delayMs = backoffDelayMs(attempt);
      options.log.warn({ err: error, code: awsErrorCode(error), attempt, delayMs }, `${options.action} failed; retrying`);
      await sleep(delayMs, options.signal);
    }
  }
}
