import type { Logger } from "../../log/logger.ts";
import type { RunReport } from "../../outcome/outcome.ts";
import type { Task } from "../../sources/source.ts";
import type { Executor } from "../executor.ts";
import type { StopSignal } from "../stop.ts";
import { inheritedEnvironment, payloadVariableProblem, taskVariables } from "../variables.ts";
import { runChild, type ChildReport } from "./child.ts";
import { createTaskFiles, type TaskFiles } from "./taskFiles.ts";

/** Settings of the process executor. */
export interface ProcessExecutorOptions {
  /** The program and its arguments, run directly (no shell). */
  readonly command: readonly [string, ...string[]];
  /** Keep stdout for a result (RETURN_RESULT). */
  readonly captureStdout: boolean;
  /** Tasque's own environment, passed on to the job without any per-task variables. */
  readonly environment: NodeJS.ProcessEnv;
  /** Folder for the per-task folders; the system's temporary folder by default. */
  readonly tempDir?: string;
}

/** Runs each task as a child process of Tasque. */
export class ProcessExecutor implements Executor {
  readonly name = "process";
  readonly #options: ProcessExecutorOptions;
  readonly #baseEnvironment: Record<string, string>;

  constructor(options: ProcessExecutorOptions) {
    this.#options = options;
    this.#baseEnvironment = inheritedEnvironment(options.environment);
  }

  async run(task: Task, stop: StopSignal, log: Logger): Promise<RunReport> {
    const startedAt = performance.now();
    const files = await createTaskFiles(task.payload, this.#options.tempDir);
    try {
      const child = await this.#spawnWithPayload(task, files, stop, log);
      return await toRunReport(child, files, this.#options.captureStdout, performance.now() - startedAt);
    } finally {
      await files.remove().catch((error: unknown) => log.warn({ err: error }, "removing the task's temporary folder failed"));
    }
  }

  /** Runs the job, leaving `TASK_PAYLOAD` out when it cannot fit or when the kernel still rejects the environment. */
  async #spawnWithPayload(task: Task, files: TaskFiles, stop: StopSignal, log: Logger): Promise<ChildReport> {
    const problem = payloadVariableProblem(task.payload);
    if (problem) log.warn(`TASK_PAYLOAD left out of the job's environment: ${problem}; read stdin or TASK_PAYLOAD_FILE instead`);

    const first = await this.#spawn(task, files, stop, log, problem === undefined);
    if (first.spawnError?.code !== "E2BIG" || problem !== undefined) return first;

    log.warn("the job's environment is over the kernel's size limit (E2BIG); running it again without TASK_PAYLOAD");
    return this.#spawn(task, files, stop, log, false);
  }

  #spawn(task: Task, files: TaskFiles, stop: StopSignal, log: Logger, includePayload: boolean): Promise<ChildReport> {
    const [command, ...args] = this.#options.command;
    const variables = taskVariables(task, files, includePayload);
    return runChild({
      command,
      args,
      env: { ...this.#baseEnvironment, ...variables },
      stdin: task.payload,
      captureStdout: this.#options.captureStdout,
      stop,
      log,
    });
  }
}

async function toRunReport(child: ChildReport, files: TaskFiles, expectResult: boolean, durationMs: number): Promise<RunReport> {
  const base = { exitCode: child.exitCode, signal: child.signal, stderrTail: child.stderrTail, durationMs };
  if (child.spawnError) return { ...base, ...spawnFailure(child.spawnError) };
  if (child.exitCode !== 0 || !expectResult) return base;

  const result = await files.readResult();
  if (result.error) return { ...base, failureKey: "RESULT", detail: result.error };
  if (result.text !== undefined) return { ...base, resultFile: result.text };
  if (child.stdoutOverflow) {
    return { ...base, failureKey: "RESULT", detail: "stdout is too large to be a result; write the result to TASK_RESULT_FILE" };
  }
  return child.stdout === undefined ? base : { ...base, stdout: child.stdout };
}

/** Maps a spawn error to the exit code a shell gives: 127 for not found, 126 for not executable. */
function spawnFailure(error: NodeJS.ErrnoException): { failureKey: string; detail: string } {
  const path = (error as { path?: string }).path ?? "the command";
  if (error.code === "ENOENT") {
    return { failureKey: "127", detail: `command not found: ${path} (check the name and PATH)` };
  }
  if (error.code === "EACCES" || error.code === "EPERM" || error.code === "EISDIR" || error.code === "ENOEXEC") {
    return { failureKey: "126", detail: `command cannot be executed: ${path} (${error.code}; check that it is a file with execute permission)` };
  }
  return { failureKey: "126", detail: `starting ${path} failed: ${error.message}` };
}
