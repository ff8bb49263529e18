/** Cause of a request to end a running task. */
export type StopReason = "timeout" | "shutdown" | "lost";

/** A request to end a running task. */
export interface StopRequest {
  readonly reason: StopReason;
  /** Signal sent to the job first. */
  readonly signal: NodeJS.Signals;
  /** Milliseconds between that signal and the kill; 0 kills at once. */
  readonly graceMs: number;
  /** Why, in words, for the log and the failure message ("timed out after 30s"). */
  readonly detail?: string;
}

type StopListener = (request: StopRequest) => void;

/**
 * Carries stop requests from the worker loop to an executor. The first
 * request decides the reason. A later one can only shorten the grace, so a
 * second Ctrl-C turns a graceful stop into a kill.
 */
export class StopSignal {
  #first: StopRequest | undefined;
  #shortestGraceMs = Number.POSITIVE_INFINITY;
  readonly #listeners = new Set<StopListener>();

  /** The first request made, or undefined while the task may run on. */
  get request(): StopRequest | undefined {
    return this.#first;
  }

  /** Records a request and passes it on when it is the first or shortens the grace. */
  requestStop(request: StopRequest): void {
    if (request.graceMs >= this.#shortestGraceMs) return;
    this.#shortestGraceMs = request.graceMs;
    this.#first ??= request;
    for (const listener of this.#listeners) listener(request);
  }

  /** Calls `listener` for each accepted request, at once for one already made. Returns an unsubscribe function. */
  onRequest(listener: StopListener): () => void {
    this.#listeners.add(listener);
    if (this.#first) listener({ ...this.#first, graceMs: this.#shortestGraceMs });
    return () => this.#listeners.delete(listener);
  }
}
