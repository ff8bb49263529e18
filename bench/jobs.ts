/** A job command, as Tasque runs it: the program and its arguments, without a shell. */
export type JobCommand = readonly [string, ...string[]];

/** The cheapest job: exits with 0 at once. */
export const TRUE_JOB: JobCommand = ["true"];

/** Sleeps for the number of seconds in its payload, such as `0.053`. Tasque and the baselines pass the payload in TASK_PAYLOAD. */
export const SLEEP_JOB: JobCommand = ["sh", "-c", 'exec sleep "$TASK_PAYLOAD"'];

/** Prints the wall-clock time at which it starts, in nanoseconds since the Unix epoch (19 digits). */
export const CLOCK_JOB: JobCommand = ["date", "+%s%N"];

/** Reads its whole stdin and drops it. */
export const DISCARD_STDIN_JOB: JobCommand = ["sh", "-c", "cat > /dev/null"];

/** Matches a line of CLOCK_JOB's output wherever a worker logs it. */
export const CLOCK_LINE = /\b(\d{19})\b/g;

/** Maximum sleep of the varying job, in milliseconds. */
export const MAX_SLEEP_MS = 100;
/** Seed of the sleep sequence, fixed so that every run and every worker gets the same sleep times. */
const SLEEP_SEED = 20_240_601;

/**
 * Returns `count` sleep times between 0 and MAX_SLEEP_MS milliseconds, as
 * payloads for SLEEP_JOB in seconds. The sequence comes from mulberry32, a
 * small 32-bit pseudo-random generator, with a fixed seed.
 */
export function sleepPayloads(count: number): string[] {
  const next = mulberry32(SLEEP_SEED);
  return Array.from({ length: count }, () => (Math.round(next() * MAX_SLEEP_MS) / 1000).toFixed(3));
}

/** Returns the sum of the sleep times of `payloads`, in milliseconds. */
export function totalSleepMs(payloads: readonly string[]): number {
  return payloads.reduce((sum, payload) => sum + Number(payload) * 1000, 0);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
