import { spawn } from "node:child_process";

/**
 * Runs the job with the payload in TASK_PAYLOAD, its output going to this
 * process's stdout and stderr, as a hand-written worker would. Resolves when
 * it exits with 0 and rejects otherwise.
 */
export function runJob(job: readonly [string, ...string[]], payload: string): Promise<void> {
  const [command, ...args] = job;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH, TASK_PAYLOAD: payload }, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`job exited with ${code ?? signal}`))));
  });
}
