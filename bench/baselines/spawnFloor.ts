import { spawn } from "node:child_process";
import type { JobCommand } from "../jobs.ts";

/**
 * Runs one job per payload, `concurrency` at a time, with nothing around
 * each job but spawn and waiting for its exit: the floor that no worker can
 * beat. Each job gets its payload in TASK_PAYLOAD, as from Tasque. Returns
 * the wall time of all jobs in milliseconds.
 */
export async function runSpawnFloor(job: JobCommand, payloads: readonly string[], concurrency: number): Promise<number> {
  const startedMs = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < payloads.length) {
      const payload = payloads[next++]!;
      await spawnJob(job, payload);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return performance.now() - startedMs;
}

function spawnJob(job: JobCommand, payload: string): Promise<void> {
  const [command, ...args] = job;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH, TASK_PAYLOAD: payload }, stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${job.join(" ")} exited with ${code}`))));
  });
}
