import { formatDurationMs } from "./markdown.ts";
import type { BenchResults } from "./results.ts";
import {
  activitySection,
  dockerSection,
  idleSection,
  latencySection,
  memorySection,
  payloadSection,
  profileSection,
  sqsThroughputSection,
  startupSection,
  targetsSection,
} from "./reportSections.ts";

/** Renders the results page: the machine and run, the targets, each measurement with its baselines, and the profiles. */
export function renderResults(results: BenchResults): string {
  const sections = [
    header(results),
    targetsSection(results),
    failuresSection(results),
    sqsThroughputSection(results),
    latencySection(results),
    activitySection(results),
    idleSection(results),
    memorySection(results),
    startupSection(results),
    payloadSection(results),
    dockerSection(results),
    profileSection(results),
  ];
  return `${sections.filter((section) => section !== undefined).join("\n\n")}\n`;
}

function header(results: BenchResults): string {
  const { machine } = results;
  return `# Tasque benchmark results

The latest run of \`npm run bench\` (\`node --import tsx bench/run.ts\`), which rewrites this page. Each Tasque number has its baselines measured in the same run against the same local emulators, fauxqs for SQS and stepfunctions-local for Step Functions, all on 127.0.0.1. The benchmark reports numbers and never fails on them.

| | |
| --- | --- |
| date | ${machine.date} |
| CPU | ${machine.cpuModel}, ${machine.cores} cores |
| memory | ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB |
| Node.js | ${machine.nodeVersion} |
| Tasque source | ${machine.sourceVersion}, built by \`npm run bench\` |
| load average (1 min) at start | ${machine.loadAverageAtStart.toFixed(2)} |
| run time | ${results.durationMs !== undefined ? formatDurationMs(results.durationMs) : "unknown"} |

Other work on the machine moves these numbers: on this 2-core machine, rates of the fast job vary by 10 % or more from run to run.`;
}

function failuresSection(results: BenchResults): string | undefined {
  if (results.failures.length === 0) return undefined;
  const lines = results.failures.map(({ step, message }) => `- ${step}: ${message.split("\n")[0]}`);
  return `## Steps that failed\n\nThese steps have no numbers in this run:\n\n${lines.join("\n")}`;
}
