import type { Executor } from "../executors/executor.ts";
import type { Logger } from "../log/logger.ts";
import type { Outcome, OutcomeRules } from "../outcome/outcome.ts";
import type { FailureDescriber } from "../outcome/failureReport.ts";
import type { Source, Task } from "../sources/source.ts";
import { runTask } from "./runTask.ts";
import { StopSignal } from "../executors/stop.ts";

/** Settings of the worker loop. */
export interface WorkerOptions {
  /** Tasks run at once; never more are received than there are free slots. */
  readonly concurrency: number;
  /** Stop after this many tasks; unlimited when undefined. */
  readonly maxTasks?: number;
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
}

/**
 * The worker loop: receives tasks into free slots, runs each with the
 * executor, and settles or releases each finished task once. It is the
 * only place that decides when to receive.
 */
export class Worker {
  readonly #running = new Map<Task, Promise<void>>();
  readonly #stops = new Set<StopSignal>();
  readonly #receiveAbort = new AbortController();
  #shutdownSignal: NodeJS.Signals | undefined;
  #forced = false;
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

  /** Runs until the source is exhausted, the task limit is reached, or a signal stops the worker. */
  async run(): Promise<WorkerSummary> {
    while (!this.#shutdownSignal && !this.#limitReached()) {
      const free = this.#freeSlots();
      if (free === 0) {
        await Promise.race(this.#running.values());
        continue;
      }
      const tasks = await this.source.receive(free, this.#receiveAbort.signal);
      if (tasks === null) break;
      for (const task of tasks) this.#start(task);
    }
    await Promise.all(this.#running.values());
    return { taskCount: this.#taskCount, interrupted: this.#shutdownSignal !== undefined, ...(this.#lastOutcome ? { lastOutcome: this.#lastOutcome } : {}) };
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
      if (this.source.safeToAbortReceive) this.#receiveAbort.abort();
      for (const stop of this.#stops) this.#requestShutdown(stop);
      return;
    }
    if (this.#forced) return;
    this.#forced = true;
    this.log.warn({ signal }, "second signal: killing running jobs now");
    this.#receiveAbort.abort();
    for (const stop of this.#stops) stop.requestStop({ reason: "shutdown", signal: "SIGKILL", graceMs: 0 });
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
    const done = this.#runAndSettle(task, stop).finally(() => {
      this.#stops.delete(stop);
      this.#running.delete(task);
    });
    this.#running.set(task, done);
  }

  async #runAndSettle(task: Task, stop: StopSignal): Promise<void> {
    const log = this.log.child({ task: task.id });
    const outcome = await runTask(task, stop, {
      source: this.source,
      executor: this.executor,
      describer: this.describer,
      options: this.options,
      log,
    });
    this.#taskCount++;
    this.#lastOutcome = outcome;
    await this.#report(task, outcome, log);
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
