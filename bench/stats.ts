/** Returns the value below which `fraction` of the samples fall, by the nearest-rank method. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) throw new Error("cannot take a percentile of an empty list of samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

export function tasksPerSecond(taskCount: number, durationMs: number): number {
  return (taskCount * 1000) / durationMs;
}

/** Runs `measure` `count` times, one after another, and returns the results. */
export async function repeat<T>(count: number, measure: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let index = 0; index < count; index++) results.push(await measure(index));
  return results;
}

/** Wall-clock time in milliseconds since the Unix epoch, with sub-millisecond resolution. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
