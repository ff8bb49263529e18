import type { Executor } from "../executors/executor.ts";
import type { StopSignal } from "../executors/stop.ts";
import type { Logger } from "../log/logger.ts";
import type { FailureDescriber } from "../outcome/failureReport.ts";
import { decideOutcome, type Outcome, type OutcomeRules } from "../outcome/outcome.ts";
import type { Source, Task } from "../sources/source.ts";
import { formatDuration } from "../util/formatDuration.ts";
import { setLongTimeout } from "../util/timers.ts";
import { startHeartbeat } from "./heartbeat.ts";

/** Dependencies of running one task. */
export interface TaskContext {
  readonly source: Source;
  readonly executor: Executor;
  readonly describer: FailureDescriber;
  readonly options: {
    readonly timeoutMs: number;
    readonly killGraceMs: number;
    readonly rules: OutcomeRules;
  };
  /** Logger with the task id bound. */
  readonly log: Logger;
}

/**
 * Runs one task with its timeout and heartbeats and returns its outcome.
 * Every timer it starts is stopped before it returns, however the task ends.
 */
export async function runTask(task: Task, stop: StopSignal, context: TaskContext): Promise<Outcome> {
  const { source, executor, options, log } = context;
  logStart(task, source, executor, log);

  const cancelTimeout = armTimeout(stop, options.timeoutMs, options.killGraceMs, log);
  const stopHeartbeat = source.heartbeatIntervalMs
    ? startHeartbeat(source, task, stop, { intervalMs: source.heartbeatIntervalMs, killGraceMs: options.killGraceMs }, log)
    : undefined;

  let outcome: Outcome;
  try {
    const report = await executor.run(task, stop, log);
    outcome = decideOutcome(report, stop.request, options.rules);
  } catch (error) {
    log.error({ err: error }, "the task could not be run");
    outcome = { ok: false, failureKey: "UNKNOWN", detail: `the task could not be run: ${(error as Error).message}`, exitCode: null, signal: null, output: "", durationMs: 0 };
  } finally {
    cancelTimeout();
    stopHeartbeat?.();
  }
  logEnd(task, outcome, context);
  return outcome;
}

function logStart(task: Task, source: Source, executor: Executor, log: Logger): void {
  const payloadBytes = Buffer.byteLength(task.payload);
  const receiveCount = task.receiveCount;
  log.info({ source: source.name, executor: executor.name, payloadBytes, ...(receiveCount !== undefined ? { receiveCount } : {}) }, "task started");
  log.debug({ payload: task.payload }, "task payload");
}

function armTimeout(stop: StopSignal, timeoutMs: number, killGraceMs: number, log: Logger): () => void {
  if (timeoutMs <= 0) return () => undefined;
  const timer = setLongTimeout(() => {
    const detail = `timed out after ${formatDuration(timeoutMs)}`;
    log.warn({ timeoutMs, killGraceMs }, `${detail}; sending SIGTERM, then SIGKILL after ${formatDuration(killGraceMs)}`);
    stop.requestStop({ reason: "timeout", signal: "SIGTERM", graceMs: killGraceMs, detail });
  }, timeoutMs);
  return () => timer.cancel();
}

function logEnd(task: Task, outcome: Outcome, context: TaskContext): void {
  const took = formatDuration(outcome.durationMs);
  const durationMs = Math.round(outcome.durationMs);
  if (outcome.ok) {
    const resultBytes = outcome.result === undefined ? undefined : Buffer.byteLength(outcome.result);
    context.log.info({ outcome: "success", durationMs, ...(resultBytes !== undefined ? { resultBytes } : {}) }, `task succeeded in ${took}`);
    return;
  }
  const key = outcome.failureKey ?? "UNKNOWN";
  const { error, cause } = context.describer.describe(outcome, task.id);
  context.log.warn({ outcome: "failure", key, error, cause, durationMs }, `task failed in ${took}: ${outcome.detail ?? key}`);
}
