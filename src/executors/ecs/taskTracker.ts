import { DescribeTasksCommand, type ECSClient, type Task as EcsTask } from "@aws-sdk/client-ecs";
import { awsErrorCode } from "../../aws/awsErrors.ts";
import type { Logger } from "../../log/logger.ts";

/** DescribeTasks takes at most 100 tasks a call. */
const MAX_TASKS_PER_DESCRIBE = 100;
/** Polls in a row that report a task MISSING before Tasque gives it up. */
const MAX_MISSING_POLLS = 3;

interface Watcher {
  readonly cluster: string;
  readonly onStatus: ((status: string) => void) | undefined;
  lastStatus: string | undefined;
  readonly resolve: (task: EcsTask) => void;
  readonly reject: (error: Error) => void;
  missingPolls: number;
}

/**
 * Follows running ECS tasks with one DescribeTasks call a cluster per poll
 * interval, covering up to 100 tasks a call, for all of Tasque's tasks at
 * once. It polls only while some task is followed, and never gives up on a
 * running task after a fixed time, as the SDK's waiters do.
 */
export class TaskTracker {
  readonly #watchers = new Map<string, Watcher>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: ECSClient,
    private readonly pollIntervalMs: number,
    private readonly log: Logger,
  ) {}

  /**
   * Resolves with the task's description once ECS reports it STOPPED, and
   * calls `onStatus` for each new lastStatus on the way. `signal` ends the
   * following early with its reason.
   */
  follow(cluster: string, taskArn: string, signal?: AbortSignal, onStatus?: (status: string) => void): Promise<EcsTask> {
    return new Promise((resolve, reject) => {
      const stopFollowing = () => {
        this.#watchers.delete(taskArn);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error("stopped following the task"));
      };
      if (signal?.aborted) return stopFollowing();
      signal?.addEventListener("abort", stopFollowing, { once: true });
      const done = <T>(settle: (value: T) => void) => (value: T) => {
        signal?.removeEventListener("abort", stopFollowing);
        this.#watchers.delete(taskArn);
        settle(value);
      };
      this.#watchers.set(taskArn, { cluster, onStatus, lastStatus: undefined, resolve: done(resolve), reject: done(reject), missingPolls: 0 });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#timer || this.#watchers.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll().finally(() => this.#schedule());
    }, this.pollIntervalMs);
  }

  async #poll(): Promise<void> {
    const byCluster = new Map<string, string[]>();
    for (const [taskArn, watcher] of this.#watchers) byCluster.set(watcher.cluster, [...(byCluster.get(watcher.cluster) ?? []), taskArn]);
    for (const [cluster, taskArns] of byCluster) {
      for (let start = 0; start < taskArns.length; start += MAX_TASKS_PER_DESCRIBE) {
        await this.#describe(cluster, taskArns.slice(start, start + MAX_TASKS_PER_DESCRIBE));
      }
    }
  }

  async #describe(cluster: string, taskArns: string[]): Promise<void> {
    let answer;
    try {
      answer = await this.client.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    } catch (error) {
      this.log.warn({ err: error, code: awsErrorCode(error), tasks: taskArns.length }, "DescribeTasks failed; trying again at the next poll");
      return;
    }
    for (const task of answer.tasks ?? []) {
      const watcher = task.taskArn ? this.#watchers.get(task.taskArn) : undefined;
      if (!watcher) continue;
      watcher.missingPolls = 0;
      if (task.lastStatus && task.lastStatus !== watcher.lastStatus) {
        watcher.lastStatus = task.lastStatus;
        watcher.onStatus?.(task.lastStatus);
      }
      if (task.lastStatus === "STOPPED") watcher.resolve(task);
    }
    for (const failure of answer.failures ?? []) this.#countMissing(failure.arn, failure.reason);
  }

  #countMissing(taskArn: string | undefined, reason: string | undefined): void {
    const watcher = taskArn ? this.#watchers.get(taskArn) : undefined;
    if (!watcher) return;
    watcher.missingPolls++;
    if (watcher.missingPolls >= MAX_MISSING_POLLS) {
      watcher.reject(new Error(`ECS no longer knows the task (${reason ?? "MISSING"} in ${MAX_MISSING_POLLS} polls in a row)`));
    }
  }
}
