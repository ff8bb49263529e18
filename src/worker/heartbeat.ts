import type { Logger } from "../log/logger.ts";
import type { Source, Task } from "../sources/source.ts";
import type { StopSignal } from "../executors/stop.ts";
import { setLongTimeout, type LongTimer } from "../util/timers.ts";

/** Settings of a task's heartbeats. */
export interface HeartbeatOptions {
  readonly intervalMs: number;
  /** Grace given to the job when the source reports the task lost. */
  readonly killGraceMs: number;
}

/**
 * Sends heartbeats for one running task until stopped. Beats never overlap:
 * the next is scheduled when the previous one has returned. A failed beat is
 * logged and the next one tries again; a "lost" task is stopped.
 */
export function startHeartbeat(source: Source, task: Task, stop: StopSignal, options: HeartbeatOptions, log: Logger): () => void {
  let timer: LongTimer | undefined;
  let stopped = false;

  const beat = async (): Promise<void> => {
    try {
      const state = await source.heartbeat(task);
      if (state === "lost" && !stopped) {
        log.warn("the source no longer has this task (timed out or deleted there); stopping the job without reporting");
        stop.requestStop({ reason: "lost", signal: "SIGTERM", graceMs: options.killGraceMs, detail: "the source gave the task up" });
        return;
      }
    } catch (error) {
      log.warn({ err: error }, "heartbeat failed; trying again at the next interval");
    }
    schedule();
  };
  const schedule = (): void => {
    if (!stopped) timer = setLongTimeout(() => void beat(), options.intervalMs);
  };

  schedule();
  return () => {
    stopped = true;
    timer?.cancel();
  };
}
