import type { BenchResults } from "./results.ts";

/** One target the results page tracks, with the measured value and how far it is from the target. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /** How much is missing when the target is missed, such as "28 % below", or empty when met. */
  readonly shortfall: string;
}

const MIN_RATIO_CONCURRENCY_1 = 1;
const MIN_RATIO_CONCURRENCY_8 = 1.5;
const MAX_OVERHEAD_MS = 2;
const MAX_IDLE_CORE_PERCENT = 1;
const MAX_RSS_BYTES = 80e6;
const MAX_RSS_GROWTH_BYTES = 5e6;
const MAX_VERSION_MS = 150;

/** Checks every tracked target that the run has numbers for. A step that failed or was skipped adds no row. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  return [...throughputTargets(results), ...idleTargets(results), ...memoryTargets(results), ...startupTargets(results)];
}

function throughputTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of results.sqsThroughput ?? []) {
    const ratio = row.tasqueTasksPerSecond / row.sqsConsumerTasksPerSecond;
    if (row.concurrency === 1) {
      checks.push(atLeast(`SQS throughput, ${row.jobName}, concurrency 1: at least sqs-consumer's`, ratio, MIN_RATIO_CONCURRENCY_1, "x"));
      const overheadMs = 1000 / row.tasqueTasksPerSecond - 1000 / row.floorTasksPerSecond;
      checks.push(atMost(`per-task overhead over the spawn floor, ${row.jobName}, concurrency 1: under ${MAX_OVERHEAD_MS} ms`, overheadMs, MAX_OVERHEAD_MS, "ms"));
    } else if (row.jobName.startsWith("sleep")) {
      checks.push(atLeast(`SQS throughput, ${row.jobName}, concurrency ${row.concurrency}: at least ${MIN_RATIO_CONCURRENCY_8}x sqs-consumer's`, ratio, MIN_RATIO_CONCURRENCY_8, "x"));
    }
  }
  return checks;
}

function idleTargets(results: BenchResults): TargetCheck[] {
  return (results.idle ?? [])
    .filter((row) => row.workerName === "tasque")
    .map((row) => atMost(`idle CPU against ${row.emulator}: under ${MAX_IDLE_CORE_PERCENT} % of a core`, row.corePercent, MAX_IDLE_CORE_PERCENT, "%"));
}

function memoryTargets(results: BenchResults): TargetCheck[] {
  const tasque = results.memory?.find((row) => row.workerName === "tasque");
  if (!tasque) return [];
  const growthBytes = tasque.after5000TasksBytes - tasque.after1000TasksBytes;
  return [
    atMost("RSS after 5,000 tasks: under 80 MB", tasque.after5000TasksBytes / 1e6, MAX_RSS_BYTES / 1e6, "MB"),
    atMost("RSS growth from 1,000 to 5,000 tasks: under 5 MB", growthBytes / 1e6, MAX_RSS_GROWTH_BYTES / 1e6, "MB"),
  ];
}

function startupTargets(results: BenchResults): TargetCheck[] {
  if (!results.startup) return [];
  return [atMost(`tasque --version: under ${MAX_VERSION_MS} ms`, results.startup.versionMs, MAX_VERSION_MS, "ms")];
}

function atLeast(target: string, value: number, minimum: number, unit: "x"): TargetCheck {
  const met = value >= minimum;
  // Three decimals, so that a ratio just below its target, such as 0.997, does not show as the target itself.
  const shortfall = met ? "" : `${formatNumber(minimum - value, 3)}${unit} short (${formatNumber((100 * (minimum - value)) / minimum, 1)} % below)`;
  return { target, measured: `${formatNumber(value, 3)}${unit}`, met, shortfall };
}

function atMost(target: string, value: number, maximum: number, unit: string): TargetCheck {
  const met = value < maximum;
  const shortfall = met ? "" : `${formatNumber(value - maximum)} ${unit} over (${formatNumber(value / maximum)}x the limit)`;
  return { target, measured: `${formatNumber(value)} ${unit}`, met, shortfall };
}

export function formatNumber(value: number, digits = 2): string {
  return value.toFixed(digits);
}
