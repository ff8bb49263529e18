import { setTimeout as delay } from "node:timers/promises";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SqsEmulator } from "../test/helpers/emulators.ts";
import { CLOCK_JOB, CLOCK_LINE } from "./jobs.ts";
import { OutputMatches } from "./outputMatches.ts";
import { stopProcess } from "./processes.ts";
import { createQueue, deleteQueue } from "./sqsQueue.ts";
import { epochMs, percentile } from "./stats.ts";
import { waitUntil } from "./waiting.ts";
import { startSqsConsumerWorker, startTasqueSqsWorker, type StartedWorker, type WorkerSpec } from "./workers.ts";

export const LATENCY_MESSAGE_COUNT = 100;
/** Pause after a job started before the next message is sent, so that the worker has deleted the message and is long-polling again. */
const IDLE_PAUSE_MS = 100;
const JOB_START_LIMIT_MS = 10_000;

/** Time from SendMessage to job start on an idle worker, in milliseconds. */
export interface LatencyRow {
  readonly workerName: string;
  readonly messageCount: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/** Measures send-to-start latency of Tasque and of the sqs-consumer baseline, each at concurrency 1. */
export async function measureLatency(sqs: SqsEmulator): Promise<LatencyRow[]> {
  return [
    await measureWorkerLatency(sqs, "tasque", (spec) => startTasqueSqsWorker(spec, { sqs: sqs.endpoint })),
    await measureWorkerLatency(sqs, "sqs-consumer", (spec) => startSqsConsumerWorker(spec, { sqs: sqs.endpoint })),
  ];
}

/**
 * Sends messages one at a time to an idle worker whose job prints the
 * wall-clock time at its start, and compares that time with the time just
 * before SendMessage. The job reads the system's real-time clock, and the
 * send time is performance.timeOrigin plus performance.now(), which starts
 * from the same clock.
 */
async function measureWorkerLatency(sqs: SqsEmulator, workerName: string, start: (spec: WorkerSpec) => StartedWorker): Promise<LatencyRow> {
  const queueUrl = await createQueue(sqs.client, "latency");
  const worker = start({ source: queueUrl, concurrency: 1, job: CLOCK_JOB, killAfterMs: 120_000 });
  try {
    await worker.process.waitFor(worker.readyPattern, 60_000);
    await delay(IDLE_PAUSE_MS);
    const clockLines = new OutputMatches(worker.process.stderr, CLOCK_LINE);
    const latenciesMs: number[] = [];
    for (let index = 0; index < LATENCY_MESSAGE_COUNT; index++) {
      latenciesMs.push(await sendAndWaitForStart(sqs, queueUrl, clockLines, index));
      await delay(IDLE_PAUSE_MS);
    }
    return { workerName, messageCount: latenciesMs.length, p50Ms: percentile(latenciesMs, 0.5), p95Ms: percentile(latenciesMs, 0.95), maxMs: Math.max(...latenciesMs) };
  } finally {
    await stopProcess(worker.process);
    await deleteQueue(sqs.client, queueUrl);
  }
}

/** Sends one message and returns the time from just before the send to the job's start, as the job's clock line reports it. */
async function sendAndWaitForStart(sqs: SqsEmulator, queueUrl: string, clockLines: OutputMatches, index: number): Promise<number> {
  const sentAtMs = epochMs();
  await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: String(index) }));
  await waitUntil(() => clockLines.count() > index, `job start ${index + 1}`, JOB_START_LIMIT_MS);
  const startedAtNs = BigInt(clockLines.all()[index]!);
  return Number(startedAtNs - BigInt(Math.round(sentAtMs * 1e6))) / 1e6;
}
