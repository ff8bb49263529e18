// A plain Step Functions activity worker: `concurrency` loops of
// GetActivityTask, run the job, SendTaskSuccess with the task's input.
// Empty polls are paced to one a second per loop, as Tasque paces them,
// because stepfunctions-local returns them at once instead of holding them for 60 s.
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { GetActivityTaskCommand, SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { BENCH_AWS, parseBaselineArguments, requiredVariable } from "./arguments.ts";
import { runJob } from "./runJob.ts";

const MIN_POLL_CYCLE_MS = 1000;

const options = parseBaselineArguments(process.argv.slice(2));
const client = new SFNClient({ ...BENCH_AWS, endpoint: requiredVariable("AWS_ENDPOINT_URL_SFN") });
let claimedCount = 0;
let doneCount = 0;

const unlimited = (): boolean => options.maxTasks === 0;

async function pollLoop(): Promise<void> {
  while (unlimited() || claimedCount < options.maxTasks) {
    const startedMs = performance.now();
    const task = await client.send(new GetActivityTaskCommand({ activityArn: options.source, workerName: hostname() }));
    if (!task.taskToken) {
      await sleep(Math.max(0, MIN_POLL_CYCLE_MS - (performance.now() - startedMs)));
      continue;
    }
    claimedCount++;
    await runJob(options.job, task.input ?? "{}");
    await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: task.input ?? "{}" }));
    doneCount++;
    if (!unlimited() && doneCount >= options.maxTasks) process.exit(0);
  }
}

process.on("SIGTERM", () => process.exit(0));
process.stderr.write("baseline ready\n");
await Promise.all(Array.from({ length: options.concurrency }, pollLoop));
