import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testEnvironment } from "../test/helpers/cli.ts";
import type { SqsEmulator } from "../test/helpers/emulators.ts";
import { summarizeProfile, type ProfileSummary } from "./cpuProfile.ts";
import { CLI_PATH, endpointVariables } from "./environment.ts";
import { TRUE_JOB } from "./jobs.ts";
import { startNode, stopProcess } from "./processes.ts";
import { startRequestRecorder } from "./requestRecorder.ts";
import { createQueue, deleteQueue, sendMessages } from "./sqsQueue.ts";
import { BASELINE_READY, SQS_CONSUMER_SCRIPT, TASQUE_SQS_READY } from "./workers.ts";

export const PROFILE_TASK_COUNT = 500;

/** Worker to profile: Tasque, with extra options such as `--log-format json`, or the sqs-consumer baseline. */
export interface ProfileRequest {
  readonly workerName: "tasque" | "sqs-consumer";
  readonly concurrency: number;
  readonly tasqueOptions?: readonly string[];
}

/** A profiled run: its wall time from ready to exit, the CPU profile, and the SQS calls the worker made. */
export interface WorkerProfile {
  readonly label: string;
  readonly taskCount: number;
  readonly wallMs: number;
  readonly summary: ProfileSummary;
  /** Calls by action, such as ReceiveMessage, counted at a recording proxy in front of the emulator. */
  readonly requestCounts: Readonly<Record<string, number>>;
}

/**
 * Runs a worker under `node --cpu-prof` on PROFILE_TASK_COUNT messages with
 * the job `true`. Its SQS calls pass through a recording proxy, which adds a
 * little latency to each call, so the wall time here is not a throughput result.
 */
export async function profileSqsWorker(sqs: SqsEmulator, request: ProfileRequest): Promise<WorkerProfile> {
  const profileDir = mkdtempSync(join(tmpdir(), "tasque-bench-profile-"));
  const recorder = await startRequestRecorder(sqs.endpoint);
  const queueUrl = await createQueue(sqs.client, "profile");
  try {
    await sendMessages(sqs.client, queueUrl, Array.from({ length: PROFILE_TASK_COUNT }, () => "{}"));
    const limits = ["--concurrency", String(request.concurrency), "--max-tasks", String(PROFILE_TASK_COUNT)];
    const tasqueOptions = request.tasqueOptions ?? [];
    const program =
      request.workerName === "tasque"
        ? [CLI_PATH, "--queue-url", queueUrl, ...limits, ...tasqueOptions]
        : ["--import", "tsx", SQS_CONSUMER_SCRIPT, "--source", queueUrl, ...limits];
    // Node.js 20 does not accept --cpu-prof in NODE_OPTIONS, so the flag goes on Node's command line.
    const args = ["--cpu-prof", "--cpu-prof-dir", profileDir, ...program, "--", ...TRUE_JOB];
    const worker = startNode(args, testEnvironment(endpointVariables({ sqs: recorder.endpoint })));
    try {
      await worker.waitFor(request.workerName === "tasque" ? TASQUE_SQS_READY : BASELINE_READY, 60_000);
      const startedMs = performance.now();
      const result = await worker.done;
      const wallMs = performance.now() - startedMs;
      if (result.code !== 0) throw new Error(`the profiled worker exited with ${result.code ?? result.signal}:\n${result.stderr.slice(-2000)}`);
      const label = `${[request.workerName, ...tasqueOptions].join(" ")}, concurrency ${request.concurrency}`;
      return { label, taskCount: PROFILE_TASK_COUNT, wallMs, summary: summarizeProfile(profileFile(profileDir)), requestCounts: countByAction(recorder.requests) };
    } finally {
      await stopProcess(worker);
    }
  } finally {
    await deleteQueue(sqs.client, queueUrl);
    await recorder.stop();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

function profileFile(profileDir: string): string {
  const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`node --cpu-prof wrote no .cpuprofile file into ${profileDir}`);
  return join(profileDir, file);
}

function countByAction(requests: ReadonlyArray<{ action: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { action } of requests) counts[action] = (counts[action] ?? 0) + 1;
  return counts;
}
