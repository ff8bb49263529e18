// Entry point of `npm run bench`: measures Tasque against its baselines on
// local emulators, prints the results page and writes it to bench/RESULTS.md.
// Every process it starts is stopped, and every queue and container it
// creates is removed, also when a step fails. On SIGINT or SIGTERM it stops
// its processes and emulators before it exits.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSqs, startStepFunctions, type SqsEmulator, type StepFunctionsEmulator } from "../test/helpers/emulators.ts";
import { measureActivityThroughput } from "./activityThroughput.ts";
import { measureDocker } from "./docker.ts";
import { measureIdleCost } from "./idleCost.ts";
import { measureLatency } from "./latency.ts";
import { describeMachine } from "./machine.ts";
import { measureMemory } from "./memory.ts";
import { measurePayload } from "./payload.ts";
import { stopAllProcesses } from "./processes.ts";
import { profileSqsWorker } from "./profileWorker.ts";
import { renderResults } from "./report.ts";
import type { BenchResults } from "./results.ts";
import { measureSqsThroughput } from "./sqsThroughput.ts";
import { measureStartup } from "./startup.ts";

const RESULTS_PATH = fileURLToPath(new URL("./RESULTS.md", import.meta.url));

interface Emulators {
  readonly sqs: SqsEmulator;
  readonly sfn: StepFunctionsEmulator;
}

/** Steps in the order they run. Each fills its part of the results. */
const STEPS: ReadonlyArray<{ name: string; run: (emulators: Emulators, results: BenchResults) => Promise<void> }> = [
  { name: "start-up", run: async ({ sqs }, results) => void (results.startup = await measureStartup(sqs)) },
  { name: "SQS throughput", run: async ({ sqs }, results) => void (results.sqsThroughput = await measureSqsThroughput(sqs)) },
  { name: "latency", run: async ({ sqs }, results) => void (results.latency = await measureLatency(sqs)) },
  { name: "activity throughput", run: async ({ sfn }, results) => void (results.activityThroughput = await measureActivityThroughput(sfn)) },
  { name: "idle cost", run: async ({ sqs, sfn }, results) => void (results.idle = await measureIdleCost(sqs, sfn)) },
  { name: "memory", run: async ({ sqs }, results) => void (results.memory = await measureMemory(sqs)) },
  { name: "payload", run: async (_emulators, results) => void (results.payload = await measurePayload()) },
  { name: "Docker executor", run: async ({ sqs }, results) => void (results.docker = await measureDocker(sqs)) },
  { name: "CPU profiles", run: async ({ sqs }, results) => void (results.profiles = await profileWorkers(sqs)) },
];

async function profileWorkers(sqs: SqsEmulator) {
  return [
    await profileSqsWorker(sqs, { workerName: "tasque", concurrency: 1 }),
    await profileSqsWorker(sqs, { workerName: "tasque", concurrency: 8 }),
    await profileSqsWorker(sqs, { workerName: "sqs-consumer", concurrency: 8 }),
  ];
}

async function main(): Promise<number> {
  quietAwsSdkNodeVersionWarning();
  const startedMs = performance.now();
  const results: BenchResults = { machine: describeMachine(), failures: [] };
  let emulators: Partial<Emulators> = {};
  const cleanUp = async (): Promise<void> => {
    await stopAllProcesses();
    await emulators.sqs?.stop();
    await emulators.sfn?.stop();
    emulators = {};
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }

  try {
    emulators = { sqs: await startSqs(), sfn: await startStepFunctions() };
    for (const step of STEPS) await runStep(step, emulators as Emulators, results);
  } finally {
    await cleanUp();
  }

  results.durationMs = performance.now() - startedMs;
  const page = renderResults(results);
  writeFileSync(RESULTS_PATH, page);
  process.stdout.write(page);
  process.stderr.write(`bench: wrote ${RESULTS_PATH}\n`);
  return results.failures.length === 0 ? 0 : 1;
}

/** Runs one step. A failure is recorded, and the run goes on with the next step. */
async function runStep(step: (typeof STEPS)[number], emulators: Emulators, results: BenchResults): Promise<void> {
  const startedMs = performance.now();
  process.stderr.write(`bench: ${step.name}...\n`);
  try {
    await step.run(emulators, results);
    process.stderr.write(`bench: ${step.name} done in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results.failures.push({ step: step.name, message });
    process.stderr.write(`bench: ${step.name} failed: ${message}\n`);
  } finally {
    // A step that failed half-way may leave workers running, and none may skew the next step's numbers.
    await stopAllProcesses();
  }
}

/** Drops the AWS SDK's notice that its later versions need Node.js 22, which this process's SDK clients print. Other warnings still show. */
function quietAwsSdkNodeVersionWarning(): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (!`${warning.name} ${warning.message}`.includes("NodeVersionSupportWarning")) process.stderr.write(`bench: warning: ${warning.name}: ${warning.message}\n`);
  });
}

process.exitCode = await main();
