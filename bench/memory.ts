import { setTimeout as delay } from "node:timers/promises";
import type { SqsEmulator } from "../test/helpers/emulators.ts";
import { TRUE_JOB } from "./jobs.ts";
import { OutputMatches } from "./outputMatches.ts";
import { rssBytes, stopProcess } from "./processes.ts";
import { createQueue, deleteQueue, messagesLeft, sendMessages } from "./sqsQueue.ts";
import { waitUntil } from "./waiting.ts";
import { startSqsConsumerWorker, startTasqueSqsWorker, type StartedWorker, type WorkerSpec } from "./workers.ts";

/** Task counts after which memory is read. Growth between the two would show a leak. */
export const MEMORY_CHECKPOINTS = [1000, 5000] as const;
const CONCURRENCY = 8;
/** Pause after ready before the first reading, so that start-up allocations have settled. */
const SETTLE_MS = 1000;
const DRAIN_LIMIT_MS = 120_000;
const HEAP_REPORT_LIMIT_MS = 10_000;

/**
 * Code preloaded into the measured worker, with --expose-gc. On SIGUSR2 it
 * prints the size of V8's new space (the young generation), then runs a full
 * garbage collection and prints the heap in use. One RSS reading moves by
 * several MB with the garbage collector's timing, so the heap after a full
 * collection is the sharper leak test. It is plain JavaScript in a data: URL,
 * because Tasque runs without a TypeScript loader.
 */
const HEAP_PROBE = [
  'import v8 from "node:v8";',
  'process.on("SIGUSR2", () => {',
  '  const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space");',
  "  globalThis.gc();",
  '  process.stderr.write("bench-heap-used-bytes=" + process.memoryUsage().heapUsed + " bench-new-space-bytes=" + (newSpace?.space_size ?? 0) + "\\n");',
  "});",
].join("\n");
const HEAP_PROBE_NODE_OPTIONS = `--expose-gc --import=data:text/javascript,${encodeURIComponent(HEAP_PROBE)}`;
const HEAP_REPORT_LINE = /bench-heap-used-bytes=\d+ bench-new-space-bytes=\d+/g;

/** Memory of a worker after start and after each checkpoint, in bytes. */
export interface MemoryRow {
  readonly workerName: string;
  readonly afterStartBytes: number;
  readonly after1000TasksBytes: number;
  readonly after5000TasksBytes: number;
  /** V8 heap in use after a full garbage collection, at each checkpoint. */
  readonly heapAfter1000TasksBytes: number;
  readonly heapAfter5000TasksBytes: number;
  /** Size of V8's new space (the young generation) after 5,000 tasks: memory reserved for short-lived objects, not live data. */
  readonly newSpaceAfter5000TasksBytes: number;
}

/** Reads the memory of Tasque and of the sqs-consumer baseline, each at concurrency 8 with the job `true`. */
export async function measureMemory(sqs: SqsEmulator): Promise<MemoryRow[]> {
  return [
    await measureWorkerMemory(sqs, "tasque", (spec) => startTasqueSqsWorker(spec, { sqs: sqs.endpoint })),
    await measureWorkerMemory(sqs, "sqs-consumer", (spec) => startSqsConsumerWorker(spec, { sqs: sqs.endpoint })),
  ];
}

/**
 * Starts a worker on an empty queue, then sends the messages of each
 * checkpoint. Once the queue is empty again, it reads RSS first and then the
 * heap after a full collection, so that the collection cannot lower the RSS reading.
 */
async function measureWorkerMemory(sqs: SqsEmulator, workerName: string, start: (spec: WorkerSpec) => StartedWorker): Promise<MemoryRow> {
  const queueUrl = await createQueue(sqs.client, "memory");
  const spec = { source: queueUrl, concurrency: CONCURRENCY, job: TRUE_JOB, killAfterMs: 2 * DRAIN_LIMIT_MS, env: { NODE_OPTIONS: HEAP_PROBE_NODE_OPTIONS } };
  const worker = start(spec);
  try {
    await worker.process.waitFor(worker.readyPattern, 60_000);
    await delay(SETTLE_MS);
    const afterStartBytes = rssBytes(worker.process.pid);
    const heapReports = new OutputMatches(worker.process.stderr, HEAP_REPORT_LINE);
    const rssReadings: number[] = [];
    const heapReadings: HeapReading[] = [];
    let sent = 0;
    for (const checkpoint of MEMORY_CHECKPOINTS) {
      await sendMessages(sqs.client, queueUrl, Array.from({ length: checkpoint - sent }, () => "{}"));
      sent = checkpoint;
      await waitUntil(async () => (await messagesLeft(sqs.client, queueUrl)) === 0, `${checkpoint} tasks of ${workerName}`, DRAIN_LIMIT_MS, 100);
      rssReadings.push(rssBytes(worker.process.pid));
      heapReadings.push(await readHeapAfterCollection(worker, heapReports));
    }
    return {
      workerName,
      afterStartBytes,
      after1000TasksBytes: rssReadings[0]!,
      after5000TasksBytes: rssReadings[1]!,
      heapAfter1000TasksBytes: heapReadings[0]!.heapUsedBytes,
      heapAfter5000TasksBytes: heapReadings[1]!.heapUsedBytes,
      newSpaceAfter5000TasksBytes: heapReadings[1]!.newSpaceBytes,
    };
  } finally {
    await stopProcess(worker.process);
    await deleteQueue(sqs.client, queueUrl);
  }
}

interface HeapReading {
  readonly heapUsedBytes: number;
  readonly newSpaceBytes: number;
}

async function readHeapAfterCollection(worker: StartedWorker, heapReports: OutputMatches): Promise<HeapReading> {
  const reportsBefore = heapReports.count();
  worker.process.signal("SIGUSR2");
  await waitUntil(() => heapReports.count() > reportsBefore, "the heap report after SIGUSR2", HEAP_REPORT_LIMIT_MS);
  const [heapUsedBytes, newSpaceBytes] = heapReports.all()[reportsBefore]!.match(/\d+/g)!.map(Number);
  return { heapUsedBytes: heapUsedBytes!, newSpaceBytes: newSpaceBytes! };
}
