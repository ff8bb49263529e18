import type { SqsEmulator } from "../test/helpers/emulators.ts";
import { runSpawnFloor } from "./baselines/spawnFloor.ts";
import { SLEEP_JOB, sleepPayloads, TRUE_JOB, type JobCommand } from "./jobs.ts";
import { createQueue, deleteQueue, messagesLeft, sendMessages } from "./sqsQueue.ts";
import { median, repeat, tasksPerSecond } from "./stats.ts";
import { startSqsConsumerWorker, startTasqueSqsWorker, timeWorkerRun, type StartedWorker, type WorkerSpec } from "./workers.ts";

export const SQS_TASK_COUNT = 500;
/** Upper bound on one worker run: 500 sleeps at concurrency 1 take about 25 s plus overhead. */
const RUN_LIMIT_MS = 120_000;

/** One job at one concurrency: the rate of Tasque and of each baseline, in tasks per second. */
export interface SqsThroughputRow {
  readonly jobName: string;
  readonly concurrency: number;
  readonly taskCount: number;
  readonly floorTasksPerSecond: number;
  readonly tasqueTasksPerSecond: number;
  readonly sqsConsumerTasksPerSecond: number;
}

interface JobCase {
  readonly jobName: string;
  readonly job: JobCommand;
  readonly payloads: readonly string[];
  /**
   * Rounds of floor, Tasque and sqs-consumer, one after another. Each rate
   * is the median of its rounds. The fast job gets three, because a run
   * takes seconds and other load moves it by 10 % or more. The sleep job
   * gets one, because its time is mostly sleeping and a round at
   * concurrency 1 takes about 30 s per worker.
   */
  readonly rounds: number;
}

const JOB_CASES: readonly JobCase[] = [
  { jobName: "true", job: TRUE_JOB, payloads: Array.from({ length: SQS_TASK_COUNT }, () => "{}"), rounds: 3 },
  { jobName: "sleep 0-100 ms", job: SLEEP_JOB, payloads: sleepPayloads(SQS_TASK_COUNT), rounds: 1 },
];

/** Measures SQS throughput for each job at concurrency 1 and 8. */
export async function measureSqsThroughput(sqs: SqsEmulator): Promise<SqsThroughputRow[]> {
  const rows: SqsThroughputRow[] = [];
  for (const jobCase of JOB_CASES) {
    for (const concurrency of [1, 8]) rows.push(await measureCase(sqs, jobCase, concurrency));
  }
  return rows;
}

async function measureCase(sqs: SqsEmulator, jobCase: JobCase, concurrency: number): Promise<SqsThroughputRow> {
  const count = jobCase.payloads.length;
  const rounds = await repeat(jobCase.rounds, async () => ({
    floorMs: await runSpawnFloor(jobCase.job, jobCase.payloads, concurrency),
    tasqueMs: await timeQueueDrain(sqs, jobCase, (spec) => startTasqueSqsWorker(spec, { sqs: sqs.endpoint }), concurrency),
    consumerMs: await timeQueueDrain(sqs, jobCase, (spec) => startSqsConsumerWorker(spec, { sqs: sqs.endpoint }), concurrency),
  }));
  return {
    jobName: jobCase.jobName,
    concurrency,
    taskCount: count,
    floorTasksPerSecond: tasksPerSecond(count, median(rounds.map((round) => round.floorMs))),
    tasqueTasksPerSecond: tasksPerSecond(count, median(rounds.map((round) => round.tasqueMs))),
    sqsConsumerTasksPerSecond: tasksPerSecond(count, median(rounds.map((round) => round.consumerMs))),
  };
}

/** Fills a fresh queue, starts a worker that stops after as many tasks, and times it from ready to exit. */
async function timeQueueDrain(sqs: SqsEmulator, jobCase: JobCase, start: (spec: WorkerSpec) => StartedWorker, concurrency: number): Promise<number> {
  const queueUrl = await createQueue(sqs.client, "throughput");
  try {
    await sendMessages(sqs.client, queueUrl, jobCase.payloads);
    const spec = { source: queueUrl, concurrency, maxTasks: jobCase.payloads.length, job: jobCase.job, killAfterMs: RUN_LIMIT_MS };
    const durationMs = await timeWorkerRun(start(spec));
    const left = await messagesLeft(sqs.client, queueUrl);
    if (left !== 0) throw new Error(`${left} messages were left on the queue after the run`);
    return durationMs;
  } finally {
    await deleteQueue(sqs.client, queueUrl);
  }
}
