import { PermanentSourceError } from "../aws/awsErrors.ts";
import { backoffDelayMs } from "../aws/backoff.ts";
import type { Executor } from "../executors/executor.ts";
import { StopSignal } from "../executors/stop.ts";
import type { Logger } from "../log/logger.ts";
import type { FailureDescriber } from "../outcome/failureReport.ts";
import type { Outcome, OutcomeRules } from "../outcome/outcome.ts";
import type { Source, Task } from "../sources/source.ts";
import { setLongTimeout, sleep, type LongTimer } from "../util/timers.ts";
import { startHeartbeat } from "./heartbeat.ts";
import { runTask } from "./runTask.ts";

/** Settings of the worker loop. */
export interface WorkerOptions {
  /** Tasks run at once; never more are received than there are free slots. */
  readonly concurrency: number;
  /** Stop after this many tasks; unlimited when undefined. */
  readonly maxTasks?: number;
  /** Stop once nothing runs and a receive returns no task. */
  readonly stopWhenEmpty?: boolean;
  /** Time limit of one task in milliseconds; 0 means none. */
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly shutdownGraceMs: number;
  readonly rules: OutcomeRules;
}

/** Summary of a finished worker run. */
export interface WorkerSummary {
  /** Tasks that ran to an outcome. */
  readonly taskCount: number;
  /** Outcome of the last task that finished, for a single-task run's exit code. */
  readonly lastOutcome?: Outcome;
  /** True when a signal stopped the worker. */
  readonly interrupted: boolean;
  /** The error that stopped the worker because retrying could not fix it. */
  readonly fatalError?: PermanentSourceError;
}

/**
 * The worker loop: receives tasks into free slots, runs each with the
 * executor, and settles or releases each finished task once. It is the
 * only place that decides when to receive.
 */
export class Worker {
  readonly #running = new Map<Task, Promise<void>>();
  /** Reports still in flight; a task's slot is free again as soon as its job has ended. */
  readonly #reporting = new Set<Promise<void>>();
  readonly #stops = new Set<StopSignal>();
  /** Tail of each ordering key's chain: resolves to whether its last task succeeded. */
  readonly #orderingTails = new Map<string, Promise<boolean>>();
  /** Aborts receives in flight: at once for sources that allow it, else when the shutdown grace ends. */
  readonly #receiveAbort = new AbortController();
  /** Aborted at the first signal, to cut short the pause between failed receives. */
  readonly #stopping = new AbortController();
  #graceTimer: LongTimer | undefined;
  #shutdownSignal: NodeJS.Signals | undefined;
  #forced = false;
  #fatalError: PermanentSourceError | undefined;
  #taskCount = 0;
  #startedCount = 0;
  #lastOutcome: Outcome | undefined;

  constructor(
    private readonly source: Source,
    private readonly executor: Executor,
    private readonly describer: FailureDescriber,
    private readonly options: WorkerOptions,
    private readonly log: Logger,
  ) {}

  /** Runs until the source is exhausted, a limit is reached, a signal stops the worker, or an error retrying cannot fix. */
  async run(): Promise<WorkerSummary> {
    try {
      await this.#receiveLoop();
      await Promise.all(this.#running.values());
      await Promise.all(this.#reporting);
      await this.source.drain?.(this.#receiveAbort.signal);
    } finally {
      this.#graceTimer?.cancel();
    }
    return {
      taskCount: this.#taskCount,
      interrupted: this.#shutdownSignal !== undefined,
      ...(this.#lastOutcome ? { lastOutcome: this.#lastOutcome } : {}),
      ...(this.#fatalError ? { fatalError: this.#fatalError } : {}),
    };
  }

  /**
   * Stops the worker. The first signal stops receiving and passes the signal
   * to running jobs, which get the shutdown grace to finish. A second signal
   * kills them at once.
   */
  shutdown(signal: NodeJS.Signals): void {
    if (this.#shutdownSignal === undefined) {
      this.#shutdownSignal = signal;
      this.log.info({ signal, running: this.#running.size, graceMs: this.options.shutdownGraceMs }, "stopping: no new tasks; running jobs get the signal and the shutdown grace to finish");
      this.#stopping.abort();
      if (this.source.safeToAbortReceive) this.#receiveAbort.abort();
      else this.#graceTimer = setLongTimeout(() => this.#receiveAbort.abort(), this.options.shutdownGraceMs);
      for (const stop of this.#stops) this.#requestShutdown(stop);
      return;
    }
    if (this.#forced) return;
    this.#forced = true;
    this.log.warn({ signal }, "second signal: killing running jobs now");
    this.#receiveAbort.abort();
    for (const stop of this.#stops) stop.requestStop({ reason: "shutdown", signal: "SIGKILL", graceMs: 0 });
  }

  #stopped(): boolean {
    return this.#shutdownSignal !== undefined || this.#fatalError !== undefined;
  }

  async #receiveLoop(): Promise<void> {
    let failedReceives = 0;
    while (!this.#stopped() && !this.#limitReached()) {
      const free = this.#freeSlots();
      if (free === 0) {
        await Promise.race(this.#running.values());
        continue;
      }
      let tasks: Task[] | null;
      try {
        tasks = await this.source.receive(free, this.#receiveAbort.signal);
        failedReceives = 0;
      } catch (error) {
        if (error instanceof PermanentSourceError) {
          this.#fail(error);
          break;
        }
        await this.#pauseAfterFailedReceive(error, ++failedReceives);
        continue;
      }
      if (tasks === null) break;
      if (this.#stopped()) {
        await this.#releaseAll(tasks);
        break;
      }
      for (const task of tasks) this.#start(task);
      if (this.options.stopWhenEmpty && tasks.length === 0 && this.#running.size === 0) {
        // A report in flight can hide messages: an SQS FIFO group stays locked until its message is deleted.
        if (this.#reporting.size > 0) {
          await Promise.all(this.#reporting);
          continue;
        }
        this.log.info("the source is empty and no task is running; stopping");
        break;
      }
    }
  }

  async #pauseAfterFailedReceive(error: unknown, failedReceives: number): Promise<void> {
    const delayMs = backoffDelayMs(failedReceives);
    this.log.warn({ err: error, failedReceives, delayMs }, `receiving tasks from ${this.source.name} failed; retrying`);
    await sleep(delayMs, this.#stopping.signal);
  }

  #fail(error: PermanentSourceError): void {
    this.#fatalError = error;
    this.log.error({ code: error.awsCode, running: this.#running.size }, `${error.message}; stopping after the running tasks end`);
  }

  async #releaseAll(tasks: readonly Task[]): Promise<void> {
    for (const task of tasks) {
      this.log.child({ task: task.id }).info("task received during shutdown; handing it back");
      await this.source.release(task).catch((error: unknown) => this.log.error({ err: error, task: task.id }, "handing the task back failed"));
    }
  }

  #requestShutdown(stop: StopSignal): void {
    stop.requestStop({
      reason: "shutdown",
      signal: this.#shutdownSignal ?? "SIGTERM",
      graceMs: this.#forced ? 0 : this.options.shutdownGraceMs,
      detail: `Tasque received ${this.#shutdownSignal} and is shutting down`,
    });
  }

  #limitReached(): boolean {
    return this.options.maxTasks !== undefined && this.#startedCount >= this.options.maxTasks;
  }

  #freeSlots(): number {
    const slots = this.options.concurrency - this.#running.size;
    if (this.options.maxTasks === undefined) return slots;
    return Math.min(slots, this.options.maxTasks - this.#startedCount);
  }

  #start(task: Task): void {
    this.#startedCount++;
    const stop = new StopSignal();
    if (this.#shutdownSignal) this.#requestShutdown(stop);
    this.#stops.add(stop);

    const previous = task.orderingKey === undefined ? undefined : this.#orderingTails.get(task.orderingKey);
    const succeeded = this.#runInOrder(task, stop, previous).catch((error: unknown) => {
      this.log.error({ err: error, task: task.id }, "unexpected error while running the task; the source will deliver it again");
      return false;
    });
    if (task.orderingKey !== undefined) this.#trackOrdering(task.orderingKey, succeeded);

    const done = succeeded.then(() => {
      this.#stops.delete(stop);
      this.#running.delete(task);
    });
    this.#running.set(task, done);
  }

  #trackOrdering(key: string, succeeded: Promise<boolean>): void {
    this.#orderingTails.set(key, succeeded);
    void succeeded.then(() => {
      if (this.#orderingTails.get(key) === succeeded) this.#orderingTails.delete(key);
    });
  }

  /**
   * Runs a task once the previous task with its ordering key has ended. When
   * that task failed or the worker is stopping, hands this one back instead,
   * so that the source delivers the group again in order. Resolves to whether
   * the task succeeded.
   */
  async #runInOrder(task: Task, stop: StopSignal, previous: Promise<boolean> | undefined): Promise<boolean> {
    const log = this.log.child({ task: task.id });
    if (previous !== undefined) {
      const previousSucceeded = await this.#waitWithHeartbeats(task, stop, previous, log);
      if (stop.request?.reason === "lost") return false;
      if (!previousSucceeded || this.#stopped()) {
        log.info({ orderingKey: task.orderingKey }, "an earlier task of this ordering key did not succeed; handing this one back");
        await this.source.release(task).catch((error: unknown) => log.error({ err: error }, "handing the task back failed"));
        return false;
      }
    }
    return this.#runAndSettle(task, stop, log);
  }

  /** Waits for an earlier task of the same ordering key, keeping this task alive with the source meanwhile. */
  async #waitWithHeartbeats(task: Task, stop: StopSignal, previous: Promise<boolean>, log: Logger): Promise<boolean> {
    const intervalMs = this.source.heartbeatIntervalMs;
    const stopHeartbeat = intervalMs ? startHeartbeat(this.source, task, stop, { intervalMs, killGraceMs: this.options.killGraceMs }, log) : undefined;
    try {
      return await previous;
    } finally {
      stopHeartbeat?.();
    }
  }

  async #runAndSettle(task: Task, stop: StopSignal, log: Logger): Promise<boolean> {
    const outcome = await runTask(task, stop, {
      source: this.source,
      executor: this.executor,
      describer: this.describer,
      options: this.options,
      log,
    });
    this.#taskCount++;
    this.#lastOutcome = outcome;
    this.#reportInBackground(task, outcome, log);
    return outcome.ok;
  }

  /**
   * Reports the outcome without holding the task's slot, so that the next
   * receive does not wait for a delete or SendTaskSuccess round trip. The
   * worker waits for every report before it returns.
   */
  #reportInBackground(task: Task, outcome: Outcome, log: Logger): void {
    const report = this.#report(task, outcome, log).finally(() => this.#reporting.delete(report));
    this.#reporting.add(report);
  }

  /** Settles the task with its source, or hands it back when a shutdown cut it short. */
  async #report(task: Task, outcome: Outcome, log: Logger): Promise<void> {
    try {
      if (outcome.failureKey === "LOST") return;
      if (outcome.failureKey === "SHUTDOWN") await this.source.release(task);
      else await this.source.settle(task, outcome);
    } catch (error) {
      log.error({ err: error }, "reporting the outcome to the source failed; the source will deliver the task again");
    }
  }
}
