import type { Outcome } from "../outcome/outcome.ts";

/** One unit of work taken from a source. */
export interface Task {
  /** Short, stable id used in logs, container names and `TASK_ID`. */
  readonly id: string;
  /** The payload text, exactly as the source delivered it. */
  readonly payload: string;
  /** How many times the source has delivered this task, when it counts deliveries. */
  readonly receiveCount?: number;
  /** String attributes of the message, passed to the job as `TASK_ATTRIBUTE_<NAME>`. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Tasks with the same key run one after another, in the order received,
   * such as the messages of one SQS FIFO message group.
   */
  readonly orderingKey?: string;
}

/** State of a task as a heartbeat found it. */
export type HeartbeatResult = "alive" | "lost";

/**
 * Origin of tasks and destination of their outcomes. A source does not
 * depend on how a task runs; the worker loop calls it and settles each task once.
 */
export interface Source<T extends Task = Task> {
  /** Name for logs, such as "sqs" or "payload". */
  readonly name: string;
  /**
   * Whether a receive in flight may be aborted at once on shutdown. SQS
   * allows it (a message it was about to return only waits out its
   * visibility timeout); Step Functions does not, because an aborted
   * GetActivityTask can strand the task the service hands to it.
   */
  readonly safeToAbortReceive: boolean;
  /** Milliseconds between heartbeats of a running task; undefined when the source needs none. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Waits for up to `max` tasks. Returns an empty array when a poll found
   * nothing, and `null` when the source has no more tasks to give.
   */
  receive(max: number, signal: AbortSignal): Promise<T[] | null>;
  /** Keeps one running task alive with the service; "lost" means the service gave it up. */
  heartbeat(task: T): Promise<HeartbeatResult>;
  /** Reports the outcome of one finished task. */
  settle(task: T, outcome: Outcome): Promise<void>;
  /** Hands an unfinished task back at shutdown so that another worker can take it. */
  release(task: T): Promise<void>;
  /**
   * Waits for receives still in flight after the worker stopped receiving,
   * releasing any task they bring. `signal` aborts them when the grace ends.
   */
  drain?(signal: AbortSignal): Promise<void>;
}
