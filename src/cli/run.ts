import { isSingleTaskSource } from "../config/source.ts";
import type { Settings } from "../config/settings.ts";
import type { Executor } from "../executors/executor.ts";
import { ProcessExecutor } from "../executors/process/processExecutor.ts";
import { createLogger, logProcessWarnings, type Logger } from "../log/logger.ts";
import { FailureDescriber } from "../outcome/failureReport.ts";
import { exitCodeOf, signalExitCode } from "../outcome/outcome.ts";
import { createSource } from "../sources/createSource.ts";
import { Worker, type WorkerSummary } from "../worker/worker.ts";

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;
/** Exit code when the worker stopped on an error that retrying cannot fix, as for other configuration errors. */
const PERMANENT_ERROR_EXIT_CODE = 2;

/** Runs Tasque with checked settings and returns its exit code. */
export async function runTasque(settings: Settings): Promise<number> {
  const log = createLogger({ format: settings.logFormat, level: settings.logLevel });
  logProcessWarnings(log);
  for (const warning of settings.warnings) log.warn(warning);

  const describer = new FailureDescriber(settings.errorNames, settings.errorTemplate);
  const { source, maxResultBytes } = await createSource(settings, { log, describer, stdin: process.stdin, stdout: process.stdout });
  const executor = await createExecutor(settings, log);
  const singleTask = isSingleTaskSource(settings.source) || settings.once;
  const worker = new Worker(
    source,
    executor,
    describer,
    {
      concurrency: singleTask ? 1 : settings.concurrency,
      ...(singleTask ? { maxTasks: 1 } : settings.maxTasks !== undefined ? { maxTasks: settings.maxTasks } : {}),
      stopWhenEmpty: settings.stopWhenEmpty,
      timeoutMs: settings.timeoutMs,
      killGraceMs: settings.killGraceMs,
      shutdownGraceMs: settings.shutdownGraceMs,
      rules: { returnResult: settings.returnResult, ...(maxResultBytes !== undefined ? { maxResultBytes } : {}) },
    },
    log,
  );

  const onSignal = (signal: NodeJS.Signals): void => worker.shutdown(signal);
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  try {
    return exitCode(await worker.run(), singleTask, log);
  } finally {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, onSignal);
  }
}

/** Creates the configured executor; dockerode and the ECS client are loaded only when used. */
async function createExecutor(settings: Settings, log: Logger): Promise<Executor> {
  if (settings.executor.kind === "ecs") {
    const { createEcsExecutor } = await import("../executors/ecs/createEcsExecutor.ts");
    return createEcsExecutor(settings.executor.ecs, settings.command, log);
  }
  if (settings.executor.kind === "docker") {
    const { DockerExecutor } = await import("../executors/docker/dockerExecutor.ts");
    return new DockerExecutor({ settings: settings.executor.docker, command: settings.command, captureStdout: settings.returnResult });
  }
  const [command, ...args] = settings.command;
  return new ProcessExecutor({
    command: [command!, ...args],
    captureStdout: settings.returnResult,
    environment: process.env,
  });
}

/** Maps the end of a run to Tasque's exit code: a single task's code, or 0 after a clean stop. */
function exitCode(summary: WorkerSummary, singleTask: boolean, log: Logger): number {
  if (summary.fatalError) {
    process.stderr.write(`tasque: ${summary.fatalError.message}\n`);
    return PERMANENT_ERROR_EXIT_CODE;
  }
  log.info({ tasks: summary.taskCount }, "worker stopped");
  if (!singleTask) return 0;
  if (summary.lastOutcome) return exitCodeOf(summary.lastOutcome);
  return summary.interrupted ? signalExitCode("SIGTERM") : 0;
}
