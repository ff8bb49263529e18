import { setTimeout as delay } from "node:timers/promises";
import type { SqsEmulator, StepFunctionsEmulator } from "../test/helpers/emulators.ts";
import { startActivityFlow } from "./activityFlow.ts";
import { TRUE_JOB } from "./jobs.ts";
import { cpuTimeMs, stopProcess } from "./processes.ts";
import { createQueue, deleteQueue } from "./sqsQueue.ts";
import { startActivityLoopWorker, startSqsConsumerWorker, startTasqueActivityWorker, startTasqueSqsWorker, type StartedWorker } from "./workers.ts";

export const IDLE_WINDOW_MS = 60_000;
/** Pause after ready before the window opens, so that start-up work still running is not counted. */
const SETTLE_MS = 2000;

/** CPU time a worker used while idle for IDLE_WINDOW_MS. */
export interface IdleRow {
  readonly workerName: string;
  readonly emulator: string;
  readonly cpuMs: number;
  readonly windowMs: number;
  /** CPU time as a share of one core, in percent. */
  readonly corePercent: number;
}

/**
 * Runs four idle workers at the same time for one window: Tasque and a
 * baseline against an empty SQS queue, and Tasque and a baseline against an
 * activity with no executions. CPU time is utime+stime from /proc/PID/stat.
 */
export async function measureIdleCost(sqs: SqsEmulator, sfn: StepFunctionsEmulator): Promise<IdleRow[]> {
  const queueUrl = await createQueue(sqs.client, "idle");
  const { activityArn } = await startActivityFlow(sfn.client, 0);
  const limits = { concurrency: 1, job: TRUE_JOB, killAfterMs: IDLE_WINDOW_MS + 60_000 };
  const workers: Array<{ workerName: string; emulator: string; worker: StartedWorker }> = [];
  try {
    workers.push({ workerName: "tasque", emulator: "fauxqs (SQS)", worker: startTasqueSqsWorker({ ...limits, source: queueUrl }, { sqs: sqs.endpoint }) });
    workers.push({ workerName: "sqs-consumer", emulator: "fauxqs (SQS)", worker: startSqsConsumerWorker({ ...limits, source: queueUrl }, { sqs: sqs.endpoint }) });
    workers.push({ workerName: "tasque", emulator: "stepfunctions-local", worker: startTasqueActivityWorker({ ...limits, source: activityArn }, { sfn: sfn.endpoint }) });
    workers.push({ workerName: "activity loop", emulator: "stepfunctions-local", worker: startActivityLoopWorker({ ...limits, source: activityArn }, { sfn: sfn.endpoint }) });
    await Promise.all(workers.map(({ worker }) => worker.process.waitFor(worker.readyPattern, 60_000)));
    await delay(SETTLE_MS);
    return await measureWindow(workers);
  } finally {
    await Promise.all(workers.map(({ worker }) => stopProcess(worker.process)));
    await deleteQueue(sqs.client, queueUrl);
  }
}

async function measureWindow(workers: ReadonlyArray<{ workerName: string; emulator: string; worker: StartedWorker }>): Promise<IdleRow[]> {
  const startedMs = performance.now();
  const cpuBeforeMs = workers.map(({ worker }) => cpuTimeMs(worker.process.pid));
  await delay(IDLE_WINDOW_MS);
  const windowMs = performance.now() - startedMs;
  return workers.map(({ workerName, emulator, worker }, index) => {
    const cpuMs = cpuTimeMs(worker.process.pid) - cpuBeforeMs[index]!;
    return { workerName, emulator, cpuMs, windowMs, corePercent: (100 * cpuMs) / windowMs };
  });
}
