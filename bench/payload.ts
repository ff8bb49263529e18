import { spawn } from "node:child_process";
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../test/helpers/cli.ts";
import { DISCARD_STDIN_JOB } from "./jobs.ts";
import { median, repeat } from "./stats.ts";

export const PAYLOAD_BYTES = 1024 * 1024;
const RUNS = 7;

/** Median wall times of a single-payload run, in milliseconds. */
export interface PayloadResult {
  /** Tasque with the 1 MiB payload file: start-up, the payload into stdin and a file, the job, exit. */
  readonly tasqueLargeMs: number;
  /** Tasque with a 2-byte payload file, so that the difference from tasqueLargeMs is what the payload costs. */
  readonly tasqueSmallMs: number;
  /** The job alone with the 1 MiB file on its stdin. */
  readonly catMs: number;
}

/** Measures a 1 MiB payload through `tasque --payload-file` against `cat` of the same file. */
export async function measurePayload(): Promise<PayloadResult> {
  const folder = mkdtempSync(join(tmpdir(), "tasque-bench-payload-"));
  try {
    const largePath = join(folder, "large.json");
    const smallPath = join(folder, "small.json");
    writeFileSync(largePath, jsonOfSize(PAYLOAD_BYTES));
    writeFileSync(smallPath, "{}");
    const tasqueLargeMs = median(await repeat(RUNS, () => timeTasquePayload(largePath)));
    const tasqueSmallMs = median(await repeat(RUNS, () => timeTasquePayload(smallPath)));
    const catMs = median(await repeat(RUNS, () => timeJobWithStdin(largePath)));
    return { tasqueLargeMs, tasqueSmallMs, catMs };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Returns a JSON object of exactly `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  const frame = '{"data":""}';
  return `{"data":"${"x".repeat(bytes - frame.length)}"}`;
}

async function timeTasquePayload(path: string): Promise<number> {
  const result = await runCli(["--payload-file", path, "--", ...DISCARD_STDIN_JOB]);
  if (result.code !== 0) throw new Error(`tasque --payload-file exited with ${result.code}:\n${result.stderr}`);
  return result.elapsedMs;
}

/** Runs the job with the file as its stdin and returns the time from just before spawn to its exit. */
function timeJobWithStdin(path: string): Promise<number> {
  const [command, ...args] = DISCARD_STDIN_JOB;
  const input = openSync(path, "r");
  const startedMs = performance.now();
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input, "ignore", "ignore"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(performance.now() - startedMs) : reject(new Error(`${command} exited with ${code}`))));
  }).finally(() => closeSync(input));
}
