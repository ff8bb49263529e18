import { parseArgs } from "node:util";

/** Command line of a baseline worker: its source, its concurrency, when to stop, and the job after `--`. */
export interface BaselineArguments {
  readonly source: string;
  readonly concurrency: number;
  /** Exit with 0 after this many tasks, or run until stopped when 0. */
  readonly maxTasks: number;
  readonly job: readonly [string, ...string[]];
}

/** Parses `--source URL-OR-ARN --concurrency N --max-tasks N -- JOB...`. */
export function parseBaselineArguments(argv: readonly string[]): BaselineArguments {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { source: { type: "string" }, concurrency: { type: "string", default: "1" }, "max-tasks": { type: "string", default: "0" } },
    allowPositionals: true,
  });
  const [command, ...args] = positionals;
  if (!values.source || !command) throw new Error("usage: --source URL-OR-ARN [--concurrency N] [--max-tasks N] -- JOB [ARGS...]");
  return { source: values.source, concurrency: Number(values.concurrency), maxTasks: Number(values["max-tasks"]), job: [command, ...args] };
}

/** Returns an environment variable that the benchmark must set, such as the emulator endpoint. */
export function requiredVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing ${name}: set it to the local emulator's endpoint, as the benchmark does`);
  return value;
}

/** Credentials and region of every benchmark client. The emulators accept any credentials. */
export const BENCH_AWS = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
