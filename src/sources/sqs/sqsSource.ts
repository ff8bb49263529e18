import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { awsErrorCode, isAbortError, isCredentialError, PermanentSourceError } from "../../aws/awsErrors.ts";
import { retryTransient } from "../../aws/backoff.ts";
import type { Logger } from "../../log/logger.ts";
import type { Outcome } from "../../outcome/outcome.ts";
import { formatDuration } from "../../util/formatDuration.ts";
import type { HeartbeatResult, Source, Task } from "../source.ts";
import { heartbeatIntervalMs, nextExtension } from "./visibility.ts";

/** SQS's longest long poll. */
export const LONG_POLL_SEC = 20;
/** SQS returns at most 10 messages a receive. */
const MAX_MESSAGES_PER_RECEIVE = 10;
/** Calls made for a delete or visibility change before giving up. */
const REPORT_ATTEMPTS = 6;

/** Error codes meaning the queue cannot be used as configured. */
const QUEUE_ERRORS = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "InvalidAddress", "InvalidParameterValue"]);
/** Error codes meaning a receipt handle no longer works: the message was deleted, or delivered again. */
const RECEIPT_ERRORS = new Set(["ReceiptHandleIsInvalid", "MessageNotInflight", "InvalidParameterValue"]);

/** A task from an SQS message. */
export interface SqsTask extends Task {
  readonly receiptHandle: string;
  /** `performance.now()` at receipt, for the 12-hour visibility limit. */
  readonly receivedAt: number;
}

/** Settings of the SQS source. */
export interface SqsSourceOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** TASK_HEARTBEAT in milliseconds. */
  readonly heartbeatMs: number;
  /** TASK_RETRY_DELAY in milliseconds: how long a failed message stays invisible; the queue decides when undefined. */
  readonly retryDelayMs?: number;
  /** Long-poll wait of each receive, in seconds. */
  readonly waitTimeSec: number;
  readonly log: Logger;
}

/** Returns whether an SQS error may go away by itself: anything but a configuration, permission or receipt problem. */
function isTransient(error: unknown): boolean {
  const code = awsErrorCode(error);
  return !QUEUE_ERRORS.has(code) && !RECEIPT_ERRORS.has(code) && !isCredentialError(error) && !isAbortError(error);
}

/**
 * Takes tasks from an SQS queue. Success deletes the message. Failure
 * leaves it on the queue, so that it is delivered again and the queue's
 * redrive policy can move it to a dead-letter queue.
 */
export class SqsSource implements Source<SqsTask> {
  readonly name = "sqs";
  readonly safeToAbortReceive = true;
  readonly heartbeatIntervalMs: number;
  readonly #options: SqsSourceOptions;
  readonly #queueVisibilitySec: number;
  readonly #cappedTasks = new WeakSet<SqsTask>();

  private constructor(options: SqsSourceOptions, queueVisibilitySec: number) {
    this.#options = options;
    this.#queueVisibilitySec = queueVisibilitySec;
    this.heartbeatIntervalMs = heartbeatIntervalMs(options.heartbeatMs, queueVisibilitySec);
  }

  /** Checks that the queue exists and reads its visibility timeout. Throws PermanentSourceError when the queue cannot be used. */
  static async open(options: SqsSourceOptions): Promise<SqsSource> {
    const answer = await retryTransient(
      () => options.client.send(new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ["VisibilityTimeout"] })),
      { attempts: REPORT_ATTEMPTS, isTransient, action: "reading the queue's attributes", log: options.log },
    ).catch((error: unknown) => {
      throw startupError(error, options.queueUrl);
    });
    const visibilitySec = Number(answer.Attributes?.VisibilityTimeout ?? 30);
    options.log.info({ queueUrl: options.queueUrl, visibilityTimeoutSec: visibilitySec }, "receiving from SQS");
    return new SqsSource(options, visibilitySec);
  }

  async receive(max: number, signal: AbortSignal): Promise<SqsTask[]> {
    const { client, queueUrl, waitTimeSec } = this.#options;
    let messages: Message[];
    try {
      const answer = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(max, MAX_MESSAGES_PER_RECEIVE),
          WaitTimeSeconds: waitTimeSec,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "MessageGroupId"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: signal },
      );
      messages = answer.Messages ?? [];
    } catch (error) {
      if (signal.aborted) return [];
      if (!isTransient(error)) throw permanentError(error, queueUrl);
      throw error;
    }
    const receivedAt = performance.now();
    return messages.map((message) => toTask(message, receivedAt));
  }

  async heartbeat(task: SqsTask): Promise<HeartbeatResult> {
    const extension = nextExtension(this.heartbeatIntervalMs, this.#queueVisibilitySec, performance.now() - task.receivedAt);
    if (extension.capped) this.#warnCapped(task);
    if (extension.visibilitySec <= 0) return "alive";
    try {
      await this.#setVisibility(task, extension.visibilitySec);
    } catch (error) {
      if (isTransient(error)) throw error;
      this.#options.log.child({ task: task.id }).warn(
        { err: error, code: awsErrorCode(error) },
        "extending the message's visibility failed; it may be delivered to another worker while this job runs",
      );
    }
    return "alive";
  }

  async settle(task: SqsTask, outcome: Outcome): Promise<void> {
    const log = this.#options.log.child({ task: task.id });
    if (outcome.ok) {
      await this.#delete(task, log);
      return;
    }
    const retryDelayMs = this.#options.retryDelayMs;
    if (retryDelayMs === undefined) {
      log.info({ receiveCount: task.receiveCount }, "message left on the queue; it is delivered again when its visibility timeout ends");
      return;
    }
    await this.#report(() => this.#setVisibility(task, Math.round(retryDelayMs / 1000)), "delaying the failed message's retry", log);
    log.info({ receiveCount: task.receiveCount }, `message left on the queue; it is delivered again in ${formatDuration(retryDelayMs)}`);
  }

  async release(task: SqsTask): Promise<void> {
    const log = this.#options.log.child({ task: task.id });
    await this.#report(() => this.#setVisibility(task, 0), "making the unfinished message visible again", log);
    log.info("message released: visible on the queue again");
  }

  async #delete(task: SqsTask, log: Logger): Promise<void> {
    const { client, queueUrl } = this.#options;
    await this.#report(
      () => client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: task.receiptHandle })),
      "deleting the message",
      log,
    );
    log.debug("message deleted");
  }

  async #setVisibility(task: SqsTask, visibilitySec: number): Promise<void> {
    const { client, queueUrl } = this.#options;
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: task.receiptHandle, VisibilityTimeout: visibilitySec }));
  }

  /** Runs a report call with retries; a final failure is logged, because the message then comes back by itself. */
  async #report(call: () => Promise<unknown>, action: string, log: Logger): Promise<void> {
    try {
      await retryTransient(call, { attempts: REPORT_ATTEMPTS, isTransient, action, log });
    } catch (error) {
      log.error({ err: error, code: awsErrorCode(error) }, `${action} failed; the message will be delivered again when its visibility timeout ends`);
    }
  }

  #warnCapped(task: SqsTask): void {
    if (this.#cappedTasks.has(task)) return;
    this.#cappedTasks.add(task);
    this.#options.log.child({ task: task.id }).warn("the message reaches SQS's 12-hour visibility limit; it may be delivered to another worker while this job runs");
  }
}

function toTask(message: Message, receivedAt: number): SqsTask {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  const groupId = message.Attributes?.MessageGroupId;
  return {
    id: message.MessageId ?? "unknown",
    payload: message.Body ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    receivedAt,
    attributes: stringAttributes(message),
    ...(Number.isFinite(receiveCount) ? { receiveCount } : {}),
    ...(groupId ? { orderingKey: groupId } : {}),
  };
}

/** Returns the message attributes that have a text value: String and Number types, with custom suffixes. */
function stringAttributes(message: Message): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined && !value.DataType?.startsWith("Binary")) attributes[name] = value.StringValue;
  }
  return attributes;
}

/** Wraps any error of the start-up check: a worker that cannot read its queue's settings cannot start. */
function startupError(error: unknown, queueUrl: string): PermanentSourceError {
  const wrapped = permanentError(error, queueUrl);
  if (wrapped instanceof PermanentSourceError) return wrapped;
  const code = awsErrorCode(error);
  return new PermanentSourceError(
    `cannot reach queue ${queueUrl}: ${code}: ${(error as Error).message}; check the network, TASK_QUEUE_URL and AWS_ENDPOINT_URL_SQS`,
    code,
    { cause: error },
  );
}

function permanentError(error: unknown, queueUrl: string): unknown {
  if (isTransient(error) || isAbortError(error)) return error;
  const code = awsErrorCode(error);
  const hint = isCredentialError(error)
    ? "check the AWS credentials and that they allow sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes"
    : "check TASK_QUEUE_URL";
  return new PermanentSourceError(`cannot use queue ${queueUrl}: ${code}: ${(error as Error).message}; ${hint}`, code, { cause: error });
}
