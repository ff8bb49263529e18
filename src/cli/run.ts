import type { Settings } from "../config/settings.ts";
import { ProcessExecutor } from "../executors/process/processExecutor.ts";
import { createLogger } from "../log/logger.ts";
import { FailureDescriber } from "../outcome/failureReport.ts";
import { exitCodeOf, signalExitCode } from "../outcome/outcome.ts";
import { loadPayload, PayloadSource } from "../sources/payloadSource.ts";
import { Worker } from "../worker/worker.ts";

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Runs Tasque with checked settings and returns its exit code. */
export async function runTasque(settings: Settings): Promise<number> {
  const log = createLogger({ format: settings.logFormat, level: settings.logLevel });
  for (const warning of settings.warnings) log.warn(warning);

  const payload = await loadPayload(settings.source, process.stdin);
  const source = new PayloadSource(payload, process.stdout);
  const [command, ...args] = settings.command;
  const executor = new ProcessExecutor({
    command: [command!, ...args],
    captureStdout: settings.returnResult,
    environment: process.env,
  });
  const describer = new FailureDescriber(settings.errorNames, settings.errorTemplate);
  const worker = new Worker(source, executor, describer, {
    concurrency: 1,
    timeoutMs: settings.timeoutMs,
    killGraceMs: settings.killGraceMs,
    shutdownGraceMs: settings.shutdownGraceMs,
    rules: { returnResult: settings.returnResult },
  }, log);

  const onSignal = (signal: NodeJS.Signals): void => worker.shutdown(signal);
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  try {
    const summary = await worker.run();
    if (summary.lastOutcome) return exitCodeOf(summary.lastOutcome);
    return summary.interrupted ? signalExitCode("SIGTERM") : 0;
  } finally {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, onSignal);
  }
}
