import { constants } from "node:os";
import type { StopRequest } from "../executors/stop.ts";
import { validateResult } from "./result.ts";

/** Observations of an executor about one run, before the outcome rules judge them. */
export interface RunReport {
  /** Exit code of the job, or null when it was killed by a signal or never started. */
  readonly exitCode: number | null;
  /** Signal that killed the job, if any. */
  readonly signal: NodeJS.Signals | null;
  /**
   * A failure key the executor decided itself, such as "127" for a command
   * that was not found or "MEMORY" for an out-of-memory kill.
   */
  readonly failureKey?: string;
  /** Reason for `failureKey`, for the log and `{{.Error}}`. */
  readonly detail?: string;
  /** The last lines of the job's stderr, bounded. */
  readonly stderrTail: string;
  /** The job's whole stdout, captured only when a result is expected. */
  readonly stdout?: string;
  /** Contents of `TASK_RESULT_FILE` when the job wrote it. */
  readonly resultFile?: string;
  /** Wall-clock time of the run. */
  readonly durationMs: number;
}

/** Result of one task after the outcome rules. */
export interface Outcome {
  /** True when the job succeeded and any expected result is valid. */
  readonly ok: boolean;
  /**
   * Failure key: the exit code ("3"), 128+N for signal N ("137"),
   * "TIMEOUT", "RESULT", "SHUTDOWN", "LOST", or an executor's own key.
   * Undefined on success.
   */
  readonly failureKey?: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The stop request that ended the task early, if any. */
  readonly stop?: StopRequest;
  /** The validated JSON result text, when RETURN_RESULT is on and the job succeeded. */
  readonly result?: string;
  /** One line saying why the task failed, for the log. */
  readonly detail?: string;
  /** The job's stderr tail (or an executor's detail), for `{{.Output}}`. */
  readonly output: string;
  readonly durationMs: number;
}

/** Options of the outcome rules. */
export interface OutcomeRules {
  /** Whether a successful job must return a JSON result (RETURN_RESULT). */
  readonly returnResult: boolean;
  /** Largest result in UTF-8 bytes that the source accepts; unlimited when undefined. */
  readonly maxResultBytes?: number;
}

/** Applies the outcome rules to what an executor reported. */
export function decideOutcome(report: RunReport, stop: StopRequest | undefined, rules: OutcomeRules): Outcome {
  const base = {
    exitCode: report.exitCode,
    signal: report.signal,
    output: report.stderrTail,
    durationMs: report.durationMs,
    ...(stop ? { stop } : {}),
  };

  if (stop?.reason === "timeout") return { ...base, ok: false, failureKey: "TIMEOUT", detail: stop.detail ?? "timed out" };
  if (stop?.reason === "lost") return { ...base, ok: false, failureKey: "LOST", detail: stop.detail ?? "the source gave the task up" };

  const failure = failureOf(report);
  if (failure) {
    const failureKey = stop?.reason === "shutdown" ? "SHUTDOWN" : failure.key;
    return { ...base, ok: false, failureKey, detail: failure.detail };
  }
  if (!rules.returnResult) return { ...base, ok: true };

  const checked = validateResult(report, rules.maxResultBytes);
  if (!checked.ok) return { ...base, ok: false, failureKey: "RESULT", detail: checked.reason };
  return { ...base, ok: true, result: checked.json };
}

function failureOf(report: RunReport): { key: string; detail: string } | undefined {
  if (report.failureKey !== undefined) {
    return { key: report.failureKey, detail: report.detail ?? `failed with ${report.failureKey}` };
  }
  if (report.signal) {
    const code = signalExitCode(report.signal);
    return { key: String(code), detail: `killed by ${report.signal} (exit code ${code})` };
  }
  if (report.exitCode !== 0) {
    return { key: String(report.exitCode ?? "UNKNOWN"), detail: `exited with code ${report.exitCode}` };
  }
  return undefined;
}

/** Returns 128+N for signal N, as shells, Docker and ECS report a signal death. */
export function signalExitCode(signal: NodeJS.Signals): number {
  const number = constants.signals[signal] as number | undefined;
  return 128 + (number ?? 0);
}

/** Exit code of Tasque after a single-task run, so that it can wrap a job transparently. */
export function exitCodeOf(outcome: Outcome): number {
  if (outcome.ok) return 0;
  if (outcome.failureKey === "TIMEOUT") return 124;
  if (outcome.failureKey === "LOST") return 1;
  if (outcome.signal) return signalExitCode(outcome.signal);
  if (outcome.exitCode !== null && outcome.exitCode !== 0) return outcome.exitCode;
  if (outcome.failureKey !== undefined && /^\d+$/.test(outcome.failureKey)) return Number(outcome.failureKey);
  return 1;
}
