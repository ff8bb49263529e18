import type { SampledTime } from "./cpuProfile.ts";
import { IDLE_WINDOW_MS } from "./idleCost.ts";
import { MAX_SLEEP_MS, sleepPayloads, totalSleepMs } from "./jobs.ts";
import { fixed, markdownTable, megabytes } from "./markdown.ts";
import { PAYLOAD_BYTES } from "./payload.ts";
import type { BenchResults } from "./results.ts";
import { SQS_TASK_COUNT } from "./sqsThroughput.ts";
import { checkTargets } from "./targets.ts";

const PROFILE_AREAS_SHOWN = 10;
const PROFILE_FUNCTIONS_SHOWN = 15;

export function targetsSection(results: BenchResults): string {
  const rows = checkTargets(results).map((check) => [check.target, check.measured, check.met ? "met" : "missed", check.shortfall || "-"]);
  const table = markdownTable(["target", "measured", "status", "missed by"], rows);
  return `## Targets\n\n${table}\n\nA throughput ratio within about 10 % of its target is within the run-to-run variation of this machine, so one run does not settle it.\n\n${TRIED_FOR_MISSES}`;
}

/** Notes on the measurements and attempts for targets missed in earlier runs; the figures are estimates from single noisy runs. */
const TRIED_FOR_MISSES = `### What was tried for missed targets

- Per-task overhead at concurrency 1: most of it is the ReceiveMessage and DeleteMessage round trips, which the sqs-consumer worker pays too (about 3.2 ms over the spawn floor in the same runs). Tasque now reports an outcome in the background, so the next receive no longer waits for the delete (roughly +10 % at concurrency 1, an estimate from noisy runs). What remains beyond sqs-consumer's cost is the private payload folder (mkdtemp, writeFile, rm: about 0.4 ms) and two log lines (about 0.3 ms in text format). Getting under 2 ms would need a message received before a slot is free, which Tasque does not do: it never holds more messages than it has free slots.
- Throughput of the job \`true\` at concurrency 8: Tasque receives as soon as one slot frees, so it sends about 400 ReceiveMessage calls for 500 messages where sqs-consumer sends about 60, and the worker is CPU-bound (spawning, that is forking a process of about 100 MB, takes a third of its CPU). Waiting 5 ms for more free slots before receiving raised this case from about 226 to about 303 tasks/s, but cost about 8 % with the varying job, where refilling each slot at once is what beats sqs-consumer's batches, so it was not adopted.
- Memory: RSS is not a leak. The heap in use after a full garbage collection stays near 13 MB from 1,000 to 20,000 tasks; about 34 MB of the RSS is V8's young generation, reserved once grown. \`NODE_OPTIONS=--max-semi-space-size=1\` kept RSS at about 85 MB after 5,000 tasks at the same speed. The flag cannot be set from inside a running process, and the npm package's command has no portable way to pass Node.js flags, so the README documents it instead.`;

export function sqsThroughputSection(results: BenchResults): string | undefined {
  if (!results.sqsThroughput) return undefined;
  const rows = results.sqsThroughput.map((row) => [
    row.jobName,
    String(row.concurrency),
    fixed(row.floorTasksPerSecond),
    fixed(row.tasqueTasksPerSecond),
    fixed(row.sqsConsumerTasksPerSecond),
    fixed(row.tasqueTasksPerSecond / row.floorTasksPerSecond, 2),
    fixed(row.tasqueTasksPerSecond / row.sqsConsumerTasksPerSecond, 2),
    row.concurrency === 1 ? fixed(1000 / row.tasqueTasksPerSecond - 1000 / row.floorTasksPerSecond, 2) : "-",
  ]);
  const meanSleepMs = totalSleepMs(sleepPayloads(SQS_TASK_COUNT)) / SQS_TASK_COUNT;
  return `## 1. SQS throughput (fauxqs)

${SQS_TASK_COUNT} messages per run, on a fresh queue filled before the worker starts. A worker is timed from its "ready" log line (Tasque: \`receiving from SQS\`) to its exit after the last message is deleted (Tasque: \`--max-tasks ${SQS_TASK_COUNT}\`), so start-up is left out. Rates of the job \`true\` are the median of 3 rounds, and the sleep job ran 1 round.

${markdownTable(["job", "concurrency", "spawn floor (tasks/s)", "Tasque (tasks/s)", "sqs-consumer (tasks/s)", "Tasque / floor", "Tasque / sqs-consumer", "Tasque overhead per task (ms)"], rows)}

- Spawn floor: the benchmark process spawns the same jobs with the same concurrency and waits for each to exit, with no queue.
- sqs-consumer 14.2.8: a per-message \`handleMessage\` that spawns the job and returns the message, so the package deletes it. \`batchSize\` is the concurrency, 1 or 8 (the package allows 1 to 10), and \`waitTimeSeconds\` is 20. It receives up to \`batchSize\` messages and polls again only once all of them are done.
- Sleep job: \`sh -c 'exec sleep "$TASK_PAYLOAD"'\` with sleep times from 0 to ${MAX_SLEEP_MS} ms from a fixed pseudo-random sequence (mulberry32), the same in every run and for every worker. Their mean is ${fixed(meanSleepMs)} ms.
- Overhead per task = 1000 / Tasque's rate - 1000 / the floor's rate, at concurrency 1.`;
}

export function latencySection(results: BenchResults): string | undefined {
  if (!results.latency) return undefined;
  const rows = results.latency.map((row) => [row.workerName, String(row.messageCount), fixed(row.p50Ms, 2), fixed(row.p95Ms, 2), fixed(row.maxMs, 2)]);
  return `## 2. Latency from SendMessage to job start (fauxqs)

Messages sent one at a time to an idle worker at concurrency 1, with a 100 ms pause after each job start. The job is \`date +%s%N\`, which prints the wall-clock time at its start. The latency is that time minus the time taken just before SendMessage, so it includes the exec of \`date\`.

${markdownTable(["worker", "messages", "p50 (ms)", "p95 (ms)", "max (ms)"], rows)}`;
}

export function activitySection(results: BenchResults): string | undefined {
  if (!results.activityThroughput) return undefined;
  const rows = results.activityThroughput.map((row) => [
    String(row.concurrency),
    String(row.taskCount),
    fixed(row.tasqueTasksPerSecond),
    fixed(row.loopTasksPerSecond),
    fixed(row.tasqueTasksPerSecond / row.loopTasksPerSecond, 2),
  ]);
  return `## 3. Step Functions activity throughput (stepfunctions-local)

Each run gets a fresh activity and state machine. All executions are started, and their activity tasks scheduled, before the worker starts. A worker is timed from ready to its exit after its last SendTaskSuccess, with the job \`true\`. Median of 3 rounds.

${markdownTable(["concurrency", "executions", "Tasque (tasks/s)", "GetActivityTask/SendTaskSuccess loop (tasks/s)", "Tasque / loop"], rows)}

- stepfunctions-local checks a running activity task on a one-second tick, so an execution ends up to a second after its SendTaskSuccess. The time above stops at the last SendTaskSuccess, so the tick does not shape it, but it would shape the time until every execution has succeeded.
- stepfunctions-local returns an empty GetActivityTask at once instead of holding it for 60 seconds, and both workers then wait out the rest of a one-second poll cycle per slot. Because every task is scheduled before the worker starts, no poll comes back empty until the last tasks are taken.
- Both workers share one emulator process, which scans its lists of tasks on every call, so these rates compare the workers with each other, not with what AWS Step Functions allows.`;
}

export function idleSection(results: BenchResults): string | undefined {
  if (!results.idle) return undefined;
  const rows = results.idle.map((row) => [row.workerName, row.emulator, fixed(row.cpuMs, 0), fixed(row.corePercent, 3)]);
  return `## 4. Idle cost

Four idle workers at concurrency 1 run at the same time for ${IDLE_WINDOW_MS / 1000} s, starting 2 s after their ready line. CPU time is utime + stime from /proc/PID/stat, read in 10 ms ticks.

${markdownTable(["worker", "emulator", `CPU time in ${IDLE_WINDOW_MS / 1000} s (ms)`, "% of one core"], rows)}

- Against SQS both workers long-poll for 20 s. Against stepfunctions-local, which returns an empty poll at once, both pace their polls to one a second.`;
}

export function memorySection(results: BenchResults): string | undefined {
  if (!results.memory) return undefined;
  const rows = results.memory.map((row) => [
    row.workerName,
    megabytes(row.afterStartBytes),
    megabytes(row.after1000TasksBytes),
    megabytes(row.after5000TasksBytes),
    megabytes(row.after5000TasksBytes - row.after1000TasksBytes),
    `${megabytes(row.heapAfter1000TasksBytes)} to ${megabytes(row.heapAfter5000TasksBytes)}`,
    megabytes(row.newSpaceAfter5000TasksBytes),
  ]);
  return `## 5. Memory

RSS (VmRSS from /proc/PID/status) of a worker at concurrency 8 with the job \`true\`: 1 s after ready, and once the queue is empty after 1,000 and after 5,000 messages. 1 MB = 1,000,000 bytes.

${markdownTable(["worker", "RSS after start", "RSS after 1,000 tasks", "RSS after 5,000 tasks", "RSS growth 1,000 to 5,000", "heap in use after a full GC, 1,000 to 5,000 tasks", "V8 new space after 5,000 tasks"], rows)}

- One RSS reading moves by several MB with the timing of garbage collection, so RSS growth alone is a coarse leak test. The last column is sharper: right after each RSS reading, the worker runs a full garbage collection on SIGUSR2 and prints \`process.memoryUsage().heapUsed\`, through code the benchmark preloads with \`NODE_OPTIONS=--expose-gc --import=data:...\`.
- V8's new space, the young generation, grows under a high allocation rate and stays reserved once grown. It is part of the RSS but not live data, and Node.js caps it with \`--max-semi-space-size\`.`;
}

export function startupSection(results: BenchResults): string | undefined {
  const startup = results.startup;
  if (!startup) return undefined;
  const rows = [
    ["`tasque --version` wall time (median of 11)", fixed(startup.versionMs), "`node -e 0`", fixed(startup.bareNodeMs)],
    ...(startup.executableVersionMs === undefined
      ? []
      : [["`dist/tasque --version`, the single executable (median of 11)", fixed(startup.executableVersionMs), "`tasque --version` from the npm build, the row above", fixed(startup.versionMs)]]),
    ["process start to first ReceiveMessage (median of 5)", fixed(startup.tasqueFirstReceiveMs), "a minimal Node.js program that loads @aws-sdk/client-sqs and sends one ReceiveMessage", fixed(startup.minimalSdkFirstReceiveMs)],
  ];
  const executableNote =
    startup.executableVersionMs === undefined
      ? `\n\nThe single executable was not measured because \`dist/tasque\` does not exist; \`npm run build:binary\` builds it.`
      : `\n\n\`dist/tasque\` is measured as \`npm run build:binary\` last built it; \`npm run bench\` does not rebuild it.`;
  return `## 6. Start-up

The first ReceiveMessage is observed at a recording HTTP proxy on 127.0.0.1 in front of fauxqs: the time runs from just before spawn to the arrival of the request's headers at the proxy. Tasque's GetQueueAttributes call at start also passes the proxy.

${markdownTable(["measurement", "Tasque (ms)", "baseline", "baseline (ms)"], rows)}${executableNote}`;
}

export function payloadSection(results: BenchResults): string | undefined {
  const payload = results.payload;
  if (!payload) return undefined;
  const rows = [
    [`\`tasque --payload-file\` with a ${PAYLOAD_BYTES / 1024 / 1024} MiB payload`, fixed(payload.tasqueLargeMs)],
    ["`tasque --payload-file` with a 2-byte payload", fixed(payload.tasqueSmallMs)],
    ["the job alone, the 1 MiB file on its stdin", fixed(payload.catMs)],
  ];
  return `## 7. Payload of 1 MiB

Single-payload runs of the job \`sh -c 'cat > /dev/null'\`. Each time is the median of 7 runs, from just before spawn to exit. Tasque passes the payload on stdin and in TASK_PAYLOAD_FILE (not in TASK_PAYLOAD, which it leaves out above 128 KiB).

${markdownTable(["run", "wall time (ms)"], rows)}

What the 1 MiB payload adds to a Tasque run: ${fixed(payload.tasqueLargeMs - payload.tasqueSmallMs)} ms, against ${fixed(payload.catMs)} ms for the job alone to read it.`;
}

export function dockerSection(results: BenchResults): string | undefined {
  const docker = results.docker;
  if (!docker) return undefined;
  if ("skipped" in docker) return `## 8. Docker executor\n\nSkipped: ${docker.skipped}.`;
  const rows = [
    ["Tasque SQS worker, Docker executor, concurrency 1", fixed(docker.tasqueMsPerTask)],
    ["`docker run --rm` one after another", fixed(docker.dockerRunMsPerTask)],
  ];
  return `## 8. Docker executor

${docker.taskCount} tasks of \`true\` in the test image \`tasque-test/busybox:latest\` on the test engine of scripts/test-dockerd.sh (no container network). Tasque is timed from ready to exit after the last message is deleted.

${markdownTable(["run", "ms per task"], rows)}

Tasque / docker run: ${fixed(docker.tasqueMsPerTask / docker.dockerRunMsPerTask, 2)}x the time per task.`;
}

export function profileSection(results: BenchResults): string | undefined {
  if (!results.profiles) return undefined;
  const parts = results.profiles.map((profile) => {
    const { summary } = profile;
    const share = (time: SampledTime) => [time.name, fixed(time.ms, 0), fixed((100 * time.ms) / summary.totalMs)];
    return `### ${profile.label}

${profile.taskCount} tasks of \`true\` took ${fixed(profile.wallMs, 0)} ms from ready to exit through the proxy, and ${fixed(summary.totalMs, 0)} ms were sampled from process start to exit. SQS calls: ${Object.entries(profile.requestCounts).map(([action, count]) => `${action} ${count}`).join(", ")}.

${markdownTable(["area (self time)", "ms", "%"], summary.selfByArea.slice(0, PROFILE_AREAS_SHOWN).map(share))}

${markdownTable(["function (inclusive time)", "ms", "%"], summary.inclusiveByFunction.slice(0, PROFILE_FUNCTIONS_SHOWN).map(share))}`;
  });
  return `## CPU profiles of the SQS workers

\`node --cpu-prof\` on the worker while it works ${results.profiles[0]?.taskCount ?? 0} messages, with its SQS calls counted at the recording proxy. Self time is charged to the function on top of the stack, and inclusive time to every function on it. Run \`node --import tsx bench/profile.ts CONCURRENCY [tasque|sqs-consumer]\` for the full lists.

${parts.join("\n\n")}`;
}
