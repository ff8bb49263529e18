import type { Outcome } from "../../outcome/outcome.ts";
import type { HeartbeatResult, Source } from "../source.ts";
import { taskIdForToken, type StepFunctionsReporter, type StepFunctionsTask } from "./stepFunctionsReporter.ts";

/**
 * A source of one task from a Step Functions task token, for the callback
 * pattern: a state machine starts a container with `.waitForTaskToken` and
 * passes the token in TASK_TOKEN and the input in TASK_PAYLOAD.
 */
export class TaskTokenSource implements Source<StepFunctionsTask> {
  readonly name = "task-token";
  readonly safeToAbortReceive = true;
  readonly heartbeatIntervalMs: number;
  #delivered = false;

  constructor(
    private readonly taskToken: string,
    private readonly payload: string,
    private readonly reporter: StepFunctionsReporter,
    heartbeatMs: number,
  ) {
    this.heartbeatIntervalMs = heartbeatMs;
  }

  async receive(): Promise<StepFunctionsTask[] | null> {
    if (this.#delivered) return null;
    this.#delivered = true;
    return [{ id: taskIdForToken(this.taskToken), taskToken: this.taskToken, payload: this.payload, attributes: {} }];
  }

  heartbeat(task: StepFunctionsTask): Promise<HeartbeatResult> {
    return this.reporter.heartbeat(task);
  }

  settle(task: StepFunctionsTask, outcome: Outcome): Promise<void> {
    return this.reporter.settle(task, outcome);
  }

  release(task: StepFunctionsTask): Promise<void> {
    return this.reporter.release(task);
  }
}
