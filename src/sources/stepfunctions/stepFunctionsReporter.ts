import { createHash } from "node:crypto";
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { awsErrorCode, isCredentialError } from "../../aws/awsErrors.ts";
import { retryTransient } from "../../aws/backoff.ts";
import type { Logger } from "../../log/logger.ts";
import type { FailureDescriber, FailureReport } from "../../outcome/failureReport.ts";
import type { Outcome } from "../../outcome/outcome.ts";
import { truncateUtf16 } from "../../util/truncate.ts";
import type { HeartbeatResult, Task } from "../source.ts";

/** Step Functions' limits on SendTaskFailure, in UTF-16 code units. */
export const MAX_ERROR_UNITS = 256;
export const MAX_CAUSE_UNITS = 32_768;
/** Step Functions' limit on a task's output: 256 KiB of UTF-8. */
export const MAX_OUTPUT_BYTES = 262_144;

/** Error codes meaning the service no longer has the task: it timed out, was closed, or the token is wrong. */
const GONE_ERRORS = new Set(["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"]);
/** Calls made for a report before giving up. */
const REPORT_ATTEMPTS = 6;

/** A task identified by a Step Functions task token. */
export interface StepFunctionsTask extends Task {
  readonly taskToken: string;
}

/** Returns a short id that is the same for every use of a task token. */
export function taskIdForToken(taskToken: string): string {
  return createHash("sha256").update(taskToken).digest("hex").slice(0, 16);
}

/** Returns whether a Step Functions error means the task is gone. */
export function isTaskGone(error: unknown): boolean {
  return GONE_ERRORS.has(awsErrorCode(error));
}

/** Returns whether a Step Functions error may go away by itself. */
export function isTransientStepFunctionsError(error: unknown): boolean {
  const code = awsErrorCode(error);
  return !isTaskGone(error) && !isCredentialError(error) && !["InvalidArn", "ActivityDoesNotExist", "InvalidOutput", "ValidationException"].includes(code);
}

/** Cuts a failure report to Step Functions' limits. */
export function fitFailureReport(report: FailureReport): FailureReport {
  return { error: truncateUtf16(report.error, MAX_ERROR_UNITS), cause: truncateUtf16(report.cause, MAX_CAUSE_UNITS) };
}

/**
 * Reports heartbeats, successes and failures of task tokens to Step
 * Functions; shared by the activity source and the task token source.
 */
export class StepFunctionsReporter {
  constructor(
    private readonly client: SFNClient,
    private readonly describer: FailureDescriber,
    private readonly log: Logger,
  ) {}

  async heartbeat(task: StepFunctionsTask): Promise<HeartbeatResult> {
    try {
      await this.client.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
      return "alive";
    } catch (error) {
      if (isTaskGone(error)) {
        this.log.child({ task: task.id }).warn({ code: awsErrorCode(error) }, "Step Functions no longer has this task");
        return "lost";
      }
      throw error;
    }
  }

  /** Sends the outcome: the result (or the input) on success, the translated error and rendered cause on failure. */
  async settle(task: StepFunctionsTask, outcome: Outcome): Promise<void> {
    if (outcome.ok) {
      await this.#send(task, new SendTaskSuccessCommand({ taskToken: task.taskToken, output: outcome.result ?? task.payload }), "sending task success");
      return;
    }
    await this.#sendFailure(task, this.describer.describe(outcome, task.id));
  }

  /** Fails an unfinished task with key SHUTDOWN, so that a Retry in the state machine can run it elsewhere. */
  async release(task: StepFunctionsTask): Promise<void> {
    const report = this.describer.describeKey("SHUTDOWN", task.id, "the worker shut down before the task finished");
    await this.#sendFailure(task, report);
  }

  async #sendFailure(task: StepFunctionsTask, report: FailureReport): Promise<void> {
    const { error, cause } = fitFailureReport(report);
    await this.#send(task, new SendTaskFailureCommand({ taskToken: task.taskToken, error, cause }), `sending task failure ${error}`);
  }

  async #send(task: StepFunctionsTask, command: SendTaskSuccessCommand | SendTaskFailureCommand, action: string): Promise<void> {
    const log = this.log.child({ task: task.id });
    try {
      await retryTransient(() => this.client.send(command as SendTaskSuccessCommand), {
        attempts: REPORT_ATTEMPTS,
        isTransient: isTransientStepFunctionsError,
        action,
        log,
      });
      log.debug(`${action}: done`);
    } catch (error) {
      const taskGone = isTaskGone(error);
      const consequence = taskGone ? "Step Functions no longer has this task" : "the state machine will see the task time out";
      log.error({ err: error, code: awsErrorCode(error) }, `${action} failed; ${consequence}`);
    }
  }
}
