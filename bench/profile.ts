// Profiles an SQS worker with `node --cpu-prof` while it works 500 messages
// with the job `true`, and prints where its CPU time went and which SQS
// calls it made. The worker is Tasque, or the sqs-consumer baseline.
// Usage: node --import tsx bench/profile.ts [CONCURRENCY [tasque|sqs-consumer [TASQUE-OPTIONS...]]]
// (default: 1 tasque), such as: node --import tsx bench/profile.ts 8 tasque --log-format json
import { startSqs } from "../test/helpers/emulators.ts";
import type { SampledTime } from "./cpuProfile.ts";
import { stopAllProcesses } from "./processes.ts";
import { profileSqsWorker } from "./profileWorker.ts";

const SHOWN_FUNCTIONS = 40;

const concurrency = Number(process.argv[2] ?? "1");
const workerName = process.argv[3] ?? "tasque";
if (workerName !== "tasque" && workerName !== "sqs-consumer") throw new Error(`invalid worker ${JSON.stringify(workerName)}: expected tasque or sqs-consumer`);

const sqs = await startSqs();
try {
  const profile = await profileSqsWorker(sqs, { workerName, concurrency, tasqueOptions: process.argv.slice(4) });
  const { summary } = profile;
  console.log(`${profile.label}: ${profile.taskCount} tasks of "true" in ${profile.wallMs.toFixed(0)} ms from ready to exit (through the recording proxy)`);
  console.log(`SQS calls: ${JSON.stringify(profile.requestCounts)}`);
  console.log(`profile: ${summary.totalMs.toFixed(0)} ms sampled, from process start to exit\n`);
  printTimes("self time by area", summary.selfByArea, summary.totalMs);
  printTimes("inclusive time by area (the area anywhere on the stack)", summary.inclusiveByArea, summary.totalMs);
  printTimes(`self time by function (top ${SHOWN_FUNCTIONS})`, summary.selfByFunction.slice(0, SHOWN_FUNCTIONS), summary.totalMs);
  printTimes(`inclusive time by function (top ${SHOWN_FUNCTIONS})`, summary.inclusiveByFunction.slice(0, SHOWN_FUNCTIONS), summary.totalMs);
} finally {
  await stopAllProcesses();
  await sqs.stop();
}

function printTimes(title: string, times: readonly SampledTime[], totalMs: number): void {
  console.log(title);
  for (const { name, ms } of times) console.log(`${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)} %  ${name}`);
  console.log();
}
