import { hostname } from "node:os";
import { GetActivityTaskCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { awsErrorCode, isAbortError, isCredentialError, PermanentSourceError } from "../../aws/awsErrors.ts";
import type { Logger } from "../../log/logger.ts";
import type { Outcome } from "../../outcome/outcome.ts";
import { sleep } from "../../util/timers.ts";
import type { HeartbeatResult, Source } from "../source.ts";
import { isTransientStepFunctionsError, taskIdForToken, type StepFunctionsReporter, type StepFunctionsTask } from "./stepFunctionsReporter.ts";

/**
 * Minimum time between the starts of two polls of one poller. AWS keeps an
 * empty GetActivityTask open for 60 seconds, but other servers, such as
 * local emulators, return at once. Without this pause an idle worker would spin.
 */
export const MIN_POLL_CYCLE_MS = 1000;

/** Settings of the activity source. */
export interface ActivitySourceOptions {
  readonly client: SFNClient;
  readonly activityArn: string;
  readonly reporter: StepFunctionsReporter;
  /** TASK_HEARTBEAT in milliseconds. */
  readonly heartbeatMs: number;
  readonly log: Logger;
  /** Worker name sent with each poll; the host name by default. */
  readonly workerName?: string;
}

/** Result of one poll: a task, nothing, or an error. */
type PollResult = { task?: StepFunctionsTask; error?: unknown };

/**
 * Takes tasks from a Step Functions activity. It keeps one GetActivityTask
 * poll in flight for each free slot of the worker, because each poll returns
 * at most one task. Polls are never aborted before the worker's shutdown
 * grace ends: a task the service hands to an aborted poll would be stranded
 * until its timeout.
 */
export class ActivitySource implements Source<StepFunctionsTask> {
  readonly name = "activity";
  readonly safeToAbortReceive = false;
  readonly heartbeatIntervalMs: number;
  readonly #options: ActivitySourceOptions;
  readonly #polls = new Set<Promise<void>>();
  readonly #results: PollResult[] = [];

  constructor(options: ActivitySourceOptions) {
    this.#options = options;
    this.heartbeatIntervalMs = options.heartbeatMs;
    options.log.info({ activityArn: options.activityArn }, "receiving from a Step Functions activity");
  }

  async receive(max: number, signal: AbortSignal): Promise<StepFunctionsTask[]> {
    while (this.#polls.size + this.#results.length < max && !signal.aborted) this.#startPoll(signal);
    if (this.#results.length === 0 && this.#polls.size > 0) await Promise.race(this.#polls);
    return this.#takeResults();
  }

  heartbeat(task: StepFunctionsTask): Promise<HeartbeatResult> {
    return this.#options.reporter.heartbeat(task);
  }

  settle(task: StepFunctionsTask, outcome: Outcome): Promise<void> {
    return this.#options.reporter.settle(task, outcome);
  }

  release(task: StepFunctionsTask): Promise<void> {
    return this.#options.reporter.release(task);
  }

  /** Waits for the polls in flight and fails any task they bring with SHUTDOWN. */
  async drain(signal: AbortSignal): Promise<void> {
    if (this.#polls.size > 0) this.#options.log.info({ polls: this.#polls.size }, "waiting for GetActivityTask polls in flight");
    while (this.#polls.size > 0) await Promise.race(this.#polls);
    for (const result of this.#results.splice(0)) {
      if (result.task) await this.release(result.task);
    }
    if (signal.aborted) this.#options.log.debug("polls were aborted when the shutdown grace ended");
  }

  #takeResults(): StepFunctionsTask[] {
    const results = this.#results.splice(0);
    const failure = results.find((result) => result.error !== undefined);
    const tasks = results.flatMap((result) => (result.task ? [result.task] : []));
    if (failure && tasks.length === 0) throw this.#classify(failure.error);
    if (failure) this.#options.log.warn({ err: failure.error, code: awsErrorCode(failure.error) }, "a GetActivityTask poll failed while others brought tasks");
    return tasks;
  }

  #startPoll(signal: AbortSignal): void {
    const poll = this.#pollOnce(signal).then((result) => {
      this.#polls.delete(poll);
      if (result.task || result.error !== undefined) this.#results.push(result);
    });
    this.#polls.add(poll);
  }

  async #pollOnce(signal: AbortSignal): Promise<PollResult> {
    const { client, activityArn } = this.#options;
    const startedAt = performance.now();
    try {
      const answer = await client.send(new GetActivityTaskCommand({ activityArn, workerName: this.#options.workerName ?? hostname() }), { abortSignal: signal });
      if (answer.taskToken) {
        const payload = answer.input ?? "{}";
        return { task: { id: taskIdForToken(answer.taskToken), taskToken: answer.taskToken, payload, attributes: {} } };
      }
    } catch (error) {
      if (signal.aborted || isAbortError(error)) return {};
      await sleep(MIN_POLL_CYCLE_MS - (performance.now() - startedAt), signal);
      return { error };
    }
    await sleep(MIN_POLL_CYCLE_MS - (performance.now() - startedAt), signal);
    return {};
  }

  #classify(error: unknown): unknown {
    if (isTransientStepFunctionsError(error)) return error;
    const code = awsErrorCode(error);
    const hint = isCredentialError(error)
      ? "check the AWS credentials and that they allow states:GetActivityTask, states:SendTaskSuccess, states:SendTaskFailure and states:SendTaskHeartbeat"
      : "check TASK_ACTIVITY_ARN";
    return new PermanentSourceError(`cannot use activity ${this.#options.activityArn}: ${code}: ${(error as Error).message}; ${hint}`, code, { cause: error });
  }
}
