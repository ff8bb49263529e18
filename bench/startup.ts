import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli, testEnvironment } from "../test/helpers/cli.ts";
import type { SqsEmulator } from "../test/helpers/emulators.ts";
import { baselineEnvironment, NODE, REPO_ROOT } from "./environment.ts";
import { TRUE_JOB } from "./jobs.ts";
import { startNode, startTasque, stopProcess } from "./processes.ts";
import { startRequestRecorder, type RequestRecorder } from "./requestRecorder.ts";
import { createQueue, deleteQueue } from "./sqsQueue.ts";
import { median, repeat } from "./stats.ts";
import { waitUntil } from "./waiting.ts";
import type { RunningCli } from "../test/helpers/cli.ts";

const VERSION_RUNS = 11;
const FIRST_RECEIVE_RUNS = 5;
const FIRST_RECEIVE_LIMIT_MS = 30_000;
/** The single executable that `npm run build:binary` writes; the benchmark does not build it. */
export const EXECUTABLE_PATH = join(REPO_ROOT, "dist", "tasque");

/**
 * The smallest Node.js program that loads the AWS SDK's SQS client and sends
 * one ReceiveMessage: the floor of any Node.js SQS worker's start-up. It is
 * plain JavaScript so that no TypeScript loader adds to its start-up.
 */
const MINIMAL_SQS_PROGRAM = `
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
const client = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS });
await client.send(new ReceiveMessageCommand({ QueueUrl: process.env.QUEUE_URL, WaitTimeSeconds: 20 }));
`;

/** Median start-up times in milliseconds, each with its baseline. */
export interface StartupResult {
  readonly versionMs: number;
  /** `dist/tasque --version`, the single executable, or undefined when dist/tasque has not been built. */
  readonly executableVersionMs?: number;
  /** Wall time of `node -e 0`: Node.js start-up alone. */
  readonly bareNodeMs: number;
  readonly tasqueFirstReceiveMs: number;
  readonly minimalSdkFirstReceiveMs: number;
}

/** Measures `tasque --version`, and the time from process start to the first ReceiveMessage at the emulator. */
export async function measureStartup(sqs: SqsEmulator): Promise<StartupResult> {
  const versionMs = median(await repeat(VERSION_RUNS, () => timeVersion()));
  const executableVersionMs = existsSync(EXECUTABLE_PATH) ? median(await repeat(VERSION_RUNS, () => timeExecutableVersion())) : undefined;
  const bareNodeMs = median(await repeat(VERSION_RUNS, () => timeBareNode()));
  const recorder = await startRequestRecorder(sqs.endpoint);
  const queueUrl = await createQueue(sqs.client, "startup");
  try {
    const startTasqueWorker = () => startTasque(["--queue-url", queueUrl, "--", ...TRUE_JOB], { sqs: recorder.endpoint });
    const startMinimal = () =>
      startNode(["--input-type=module", "-e", MINIMAL_SQS_PROGRAM], baselineEnvironment({ sqs: recorder.endpoint }, { QUEUE_URL: queueUrl }));
    const tasqueFirstReceiveMs = median(await repeat(FIRST_RECEIVE_RUNS, () => timeFirstReceive(recorder, startTasqueWorker)));
    const minimalSdkFirstReceiveMs = median(await repeat(FIRST_RECEIVE_RUNS, () => timeFirstReceive(recorder, startMinimal)));
    return { versionMs, executableVersionMs, bareNodeMs, tasqueFirstReceiveMs, minimalSdkFirstReceiveMs };
  } finally {
    await deleteQueue(sqs.client, queueUrl);
    await recorder.stop();
  }
}

async function timeVersion(): Promise<number> {
  const result = await runCli(["--version"]);
  if (result.code !== 0) throw new Error(`tasque --version exited with ${result.code}: ${result.stderr}`);
  return result.elapsedMs;
}

/** Returns the wall time of `dist/tasque --version`, from just before spawn to exit. */
function timeExecutableVersion(): Promise<number> {
  const startedMs = performance.now();
  const child = spawn(EXECUTABLE_PATH, ["--version"], { env: testEnvironment(), stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const elapsedMs = performance.now() - startedMs;
      if (code === 0) resolve(elapsedMs);
      else reject(new Error(`${EXECUTABLE_PATH} --version exited with ${code}: ${stderr}`));
    });
  });
}

async function timeBareNode(): Promise<number> {
  const result = await startNode(["-e", "0"], { PATH: process.env.PATH }).done;
  if (result.code !== 0) throw new Error(`${NODE} -e 0 exited with ${result.code}`);
  return result.elapsedMs;
}

/** Starts a process and returns the time from just before spawn to its first ReceiveMessage at the recorder. */
async function timeFirstReceive(recorder: RequestRecorder, start: () => RunningCli): Promise<number> {
  const alreadyRecorded = recorder.requests.length;
  const startedMs = performance.now();
  const process = start();
  try {
    const firstReceive = () => recorder.requests.slice(alreadyRecorded).find((request) => request.action === "ReceiveMessage");
    await waitUntil(() => firstReceive() !== undefined, "the first ReceiveMessage", FIRST_RECEIVE_LIMIT_MS, 2);
    return firstReceive()!.atMs - startedMs;
  } finally {
    await stopProcess(process);
  }
}
