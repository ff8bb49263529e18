import { hostname } from "node:os";
import type { Outcome } from "./outcome.ts";
import type { CompiledTemplate } from "./template.ts";

/** Fields a failure message template can use, as `{{.Name}}`. */
export const TEMPLATE_FIELDS = ["Host", "Exit", "Error", "Output", "TaskId"] as const;

/** The Go tool's default failure message template. */
export const DEFAULT_ERROR_TEMPLATE = "Host: {{.Host}} Exit: {{.Exit}} Error: {{.Error}}";

/** A failure as a source reports it: Step Functions' `error` and `cause`. */
export interface FailureReport {
  /** The failure key, or its translation from `EXIT_<key>`. */
  readonly error: string;
  /** The rendered failure message template. */
  readonly cause: string;
}

/** Turns failed outcomes into reports: translates keys with `EXIT_<key>` and renders the message template. */
export class FailureDescriber {
  readonly #errorNames: ReadonlyMap<string, string>;
  readonly #template: CompiledTemplate;
  readonly #host: string;

  constructor(errorNames: ReadonlyMap<string, string>, template: CompiledTemplate, host = hostname()) {
    this.#errorNames = errorNames;
    this.#template = template;
    this.#host = host;
  }

  /** Returns the error name for a failure key: the value of `EXIT_<key>` when set, else the key. */
  errorName(key: string): string {
    return this.#errorNames.get(key) ?? key;
  }

  /** Describes a failed outcome of task `taskId`. */
  describe(outcome: Outcome, taskId: string): FailureReport {
    const key = outcome.failureKey ?? "UNKNOWN";
    return this.describeKey(key, taskId, outcome.detail ?? "", outcome.output);
  }

  /** Describes a failure that has a key but no outcome, such as a task handed back at shutdown. */
  describeKey(key: string, taskId: string, detail: string, output = ""): FailureReport {
    const cause = this.#template.render({
      Host: this.#host,
      Exit: key,
      Error: detail,
      Output: output,
      TaskId: taskId,
    });
    return { error: this.errorName(key), cause };
  }
}
