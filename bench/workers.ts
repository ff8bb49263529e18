import { fileURLToPath } from "node:url";
import type { RunningCli } from "../test/helpers/cli.ts";
import type { Endpoints } from "./environment.ts";
import type { JobCommand } from "./jobs.ts";
import { startScript, startTasque, stopProcess } from "./processes.ts";

/** Tasque's log line once its SQS source is open. Its first ReceiveMessage follows at once. */
export const TASQUE_SQS_READY = /receiving from SQS/;
/** Tasque's log line once its activity source exists. Its first GetActivityTask follows at once. */
export const TASQUE_ACTIVITY_READY = /receiving from a Step Functions activity/;
/** Line that every baseline worker prints right before it starts receiving. */
export const BASELINE_READY = /baseline ready/;

export const SQS_CONSUMER_SCRIPT = fileURLToPath(new URL("./baselines/sqsConsumerWorker.ts", import.meta.url));
const ACTIVITY_LOOP_SCRIPT = fileURLToPath(new URL("./baselines/activityLoopWorker.ts", import.meta.url));

/** A worker the benchmark started, with the pattern of its log line just before its first receive. */
export interface StartedWorker {
  readonly process: RunningCli;
  readonly readyPattern: RegExp;
}

/** Settings of a worker run. Without `maxTasks`, the worker runs until the benchmark stops it. */
export interface WorkerSpec {
  readonly source: string;
  readonly concurrency: number;
  readonly maxTasks?: number;
  readonly job: JobCommand;
  readonly killAfterMs?: number;
  /** Extra environment variables of the worker process, such as NODE_OPTIONS. */
  readonly env?: Record<string, string>;
}

export function startTasqueSqsWorker(spec: WorkerSpec, endpoints: Endpoints): StartedWorker {
  const args = ["--queue-url", spec.source, ...tasqueLimits(spec), "--", ...spec.job];
  return { process: startTasque(args, endpoints, processOptions(spec)), readyPattern: TASQUE_SQS_READY };
}

export function startTasqueActivityWorker(spec: WorkerSpec, endpoints: Endpoints): StartedWorker {
  const args = ["--activity-arn", spec.source, ...tasqueLimits(spec), "--", ...spec.job];
  return { process: startTasque(args, endpoints, processOptions(spec)), readyPattern: TASQUE_ACTIVITY_READY };
}

export function startSqsConsumerWorker(spec: WorkerSpec, endpoints: Endpoints): StartedWorker {
  return { process: startScript(SQS_CONSUMER_SCRIPT, baselineArguments(spec), endpoints, processOptions(spec)), readyPattern: BASELINE_READY };
}

export function startActivityLoopWorker(spec: WorkerSpec, endpoints: Endpoints): StartedWorker {
  return { process: startScript(ACTIVITY_LOOP_SCRIPT, baselineArguments(spec), endpoints, processOptions(spec)), readyPattern: BASELINE_READY };
}

/**
 * Waits until the worker is about to receive, then times it to its exit
 * after its last task. Start-up is left out, because it is measured on its
 * own. Returns the duration in milliseconds.
 */
export async function timeWorkerRun(worker: StartedWorker): Promise<number> {
  try {
    await worker.process.waitFor(worker.readyPattern, 60_000);
    const startedMs = performance.now();
    const result = await worker.process.done;
    const durationMs = performance.now() - startedMs;
    if (result.code !== 0) throw new Error(`worker exited with ${result.code ?? result.signal}:\n${result.stderr.slice(-2000)}`);
    return durationMs;
  } finally {
    await stopProcess(worker.process);
  }
}

function tasqueLimits(spec: WorkerSpec): string[] {
  return ["--concurrency", String(spec.concurrency), ...(spec.maxTasks !== undefined ? ["--max-tasks", String(spec.maxTasks)] : [])];
}

function baselineArguments(spec: WorkerSpec): string[] {
  return ["--source", spec.source, "--concurrency", String(spec.concurrency), "--max-tasks", String(spec.maxTasks ?? 0), "--", ...spec.job];
}

function processOptions(spec: WorkerSpec): { env?: Record<string, string>; killAfterMs?: number } {
  return { ...(spec.env ? { env: spec.env } : {}), ...(spec.killAfterMs !== undefined ? { killAfterMs: spec.killAfterMs } : {}) };
}
