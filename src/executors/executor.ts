import type { Task } from "../sources/source.ts";
import type { RunReport } from "../outcome/outcome.ts";
import type { StopSignal } from "./stop.ts";
import type { Logger } from "../log/logger.ts";

/** Runs one task and reports how it ended. An executor does not depend on where the task came from. */
export interface Executor {
  /** Name for logs, such as "process" or "docker". */
  readonly name: string;
  /**
   * Runs the task to its end. A stop request on `stop` ends the work itself:
   * a signal first, then a kill after the request's grace. The promise
   * resolves only when the work is gone and every resource of the task is released.
   */
  run(task: Task, stop: StopSignal, log: Logger): Promise<RunReport>;
}
