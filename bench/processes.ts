import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { startCli, type CliResult, type RunningCli } from "../test/helpers/cli.ts";
import { baselineEnvironment, endpointVariables, NODE, REPO_ROOT, type Endpoints } from "./environment.ts";

export { cpuTimeMs } from "../test/helpers/cli.ts";

/** Grace between SIGTERM and SIGKILL when the benchmark stops a process it started. */
const STOP_GRACE_MS = 5000;
/** Default upper bound on the life of a process the benchmark starts, so that a hung step cannot outlive the run. */
export const DEFAULT_KILL_AFTER_MS = 180_000;

/** Every process started and not yet seen to exit, so that a failing step still stops them all. */
const liveProcesses = new Set<RunningCli>();

function track(process: RunningCli): RunningCli {
  liveProcesses.add(process);
  void process.done.then(() => liveProcesses.delete(process));
  return process;
}

/** Starts the built Tasque CLI with test credentials and the emulator endpoints. */
export function startTasque(args: readonly string[], endpoints: Endpoints, options: { env?: Record<string, string>; killAfterMs?: number } = {}): RunningCli {
  return track(
    startCli(args, {
      env: { ...endpointVariables(endpoints), ...options.env },
      killAfterMs: options.killAfterMs ?? DEFAULT_KILL_AFTER_MS,
    }),
  );
}

/**
 * Starts a TypeScript script of the benchmark with tsx, in the same
 * environment a Tasque worker gets.
 */
export function startScript(scriptPath: string, args: readonly string[], endpoints: Endpoints, options: { env?: Record<string, string>; killAfterMs?: number } = {}): RunningCli {
  return startNode(["--import", "tsx", scriptPath, ...args], baselineEnvironment(endpoints, options.env), options.killAfterMs ?? DEFAULT_KILL_AFTER_MS);
}

/**
 * Starts Node.js with `args` in the repository folder. Its stdout and stderr
 * are collected together, as `stderr()`, because baselines report on both.
 */
export function startNode(args: readonly string[], env: NodeJS.ProcessEnv, killAfterMs = DEFAULT_KILL_AFTER_MS): RunningCli {
  const startedMs = performance.now();
  const child = spawn(NODE, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const waiters = new Set<() => void>();
  const append = (chunk: string): void => {
    output += chunk;
    for (const check of waiters) check();
  };
  child.stdout.setEncoding("utf8").on("data", append);
  child.stderr.setEncoding("utf8").on("data", append);
  const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      for (const check of waiters) check();
      resolve({ code, signal, stdout: "", stderr: output, elapsedMs: performance.now() - startedMs });
    });
  });
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  return track({
    pid: child.pid!,
    stderr: () => output,
    signal: (signal) => child.kill(signal),
    done,
    waitFor: (pattern, timeoutMs = 30_000) => waitForOutput(() => output, waiters, exited, pattern, timeoutMs),
  });
}

function waitForOutput(output: () => string, waiters: Set<() => void>, exited: () => boolean, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      waiters.delete(check);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`output did not match ${pattern} within ${timeoutMs} ms:\n${output().slice(-2000)}`)), timeoutMs);
    const check = (): void => {
      if (pattern.test(output())) finish();
      else if (exited()) finish(new Error(`the process exited before its output matched ${pattern}:\n${output().slice(-2000)}`));
    };
    waiters.add(check);
    check();
  });
}

/** Stops a process: SIGTERM, then SIGKILL after a grace. Resolves once it has exited. */
export async function stopProcess(process: RunningCli): Promise<CliResult> {
  process.signal("SIGTERM");
  const killer = setTimeout(() => process.signal("SIGKILL"), STOP_GRACE_MS);
  try {
    return await process.done;
  } finally {
    clearTimeout(killer);
  }
}

/** Stops every process the benchmark started that is still running. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...liveProcesses].map((process) => stopProcess(process)));
}

/** Returns a process's resident set size in bytes, from VmRSS in /proc/PID/status. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
