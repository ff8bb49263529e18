import type { StepFunctionsEmulator } from "../test/helpers/emulators.ts";
import { startActivityFlow, waitUntilScheduled, waitUntilSucceeded } from "./activityFlow.ts";
import { TRUE_JOB } from "./jobs.ts";
import { median, repeat, tasksPerSecond } from "./stats.ts";
import { startActivityLoopWorker, startTasqueActivityWorker, timeWorkerRun, type StartedWorker, type WorkerSpec } from "./workers.ts";

export const ACTIVITY_EXECUTION_COUNT = 100;
/** Rounds of Tasque and the loop, one after another. Each rate is the median of its rounds, because one run takes under a second and is easily disturbed. */
const ROUNDS = 3;
const SCHEDULE_LIMIT_MS = 30_000;
/** Upper bound on one worker run. */
const RUN_LIMIT_MS = 120_000;

/** Activity throughput at one concurrency, in tasks per second, of Tasque and of a plain GetActivityTask/SendTaskSuccess loop. */
export interface ActivityThroughputRow {
  readonly concurrency: number;
  readonly taskCount: number;
  readonly tasqueTasksPerSecond: number;
  readonly loopTasksPerSecond: number;
}

/** Measures activity throughput with the job `true` at concurrency 1 and 8. */
export async function measureActivityThroughput(sfn: StepFunctionsEmulator): Promise<ActivityThroughputRow[]> {
  const rows: ActivityThroughputRow[] = [];
  for (const concurrency of [1, 8]) {
    const rounds = await repeat(ROUNDS, async () => ({
      tasqueMs: await timeActivityRun(sfn, concurrency, (spec) => startTasqueActivityWorker(spec, { sfn: sfn.endpoint })),
      loopMs: await timeActivityRun(sfn, concurrency, (spec) => startActivityLoopWorker(spec, { sfn: sfn.endpoint })),
    }));
    rows.push({
      concurrency,
      taskCount: ACTIVITY_EXECUTION_COUNT,
      tasqueTasksPerSecond: tasksPerSecond(ACTIVITY_EXECUTION_COUNT, median(rounds.map((round) => round.tasqueMs))),
      loopTasksPerSecond: tasksPerSecond(ACTIVITY_EXECUTION_COUNT, median(rounds.map((round) => round.loopMs))),
    });
  }
  return rows;
}

/**
 * Starts the executions and waits until all their activity tasks are
 * scheduled, then times a worker from ready to its exit after the last
 * SendTaskSuccess. Execution ends are checked afterwards and left out of the
 * time, because stepfunctions-local only notices a finished task on its
 * one-second tick.
 */
async function timeActivityRun(sfn: StepFunctionsEmulator, concurrency: number, start: (spec: WorkerSpec) => StartedWorker): Promise<number> {
  const flow = await startActivityFlow(sfn.client, ACTIVITY_EXECUTION_COUNT);
  await waitUntilScheduled(sfn.client, flow, SCHEDULE_LIMIT_MS);
  const spec = { source: flow.activityArn, concurrency, maxTasks: ACTIVITY_EXECUTION_COUNT, job: TRUE_JOB, killAfterMs: RUN_LIMIT_MS };
  const durationMs = await timeWorkerRun(start(spec));
  await waitUntilSucceeded(sfn.client, flow, SCHEDULE_LIMIT_MS);
  return durationMs;
}
