import type { Task } from "../sources/source.ts";

/**
 * Linux's limit on one environment string (MAX_ARG_STRLEN, 32 pages of
 * 4 KiB), counting `NAME=`, the value and the terminating NUL. A longer
 * string makes execve fail with E2BIG ("Argument list too long").
 */
export const MAX_ENV_STRING_BYTES = 131072;

/** Variables of Tasque's own environment that belong to one task and must not leak into another. */
const PER_TASK_VARIABLE = /^TASK_(PAYLOAD|PAYLOAD_FILE|RESULT_FILE|ID|RECEIVE_COUNT|ATTRIBUTE_.*)$/;

/** Paths of the payload file and the result file, as the job opens them. */
export interface TaskPaths {
  readonly payloadFile?: string;
  readonly resultFile: string;
}

/** Returns why `TASK_PAYLOAD` must be left out of a job's environment, or undefined when it fits. */
export function payloadVariableProblem(payload: string): string | undefined {
  if (payload.includes("\0")) return "the payload contains a NUL character, which no environment variable can carry";
  const bytes = Buffer.byteLength(`TASK_PAYLOAD=${payload}`) + 1;
  if (bytes > MAX_ENV_STRING_BYTES) {
    return `TASK_PAYLOAD=<payload> would take ${bytes} bytes, over Linux's limit of ${MAX_ENV_STRING_BYTES} bytes for one environment string`;
  }
  return undefined;
}

/** Converts a message attribute name to its variable name: upper case, other characters as `_`. */
export function attributeVariableName(name: string): string {
  return `TASK_ATTRIBUTE_${name.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`;
}

/** Builds the `TASK_*` variables of one task. `TASK_PAYLOAD` is included only when `includePayload` is set. */
export function taskVariables(task: Task, paths: TaskPaths, includePayload: boolean): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(task.attributes)) {
    if (!value.includes("\0")) variables[attributeVariableName(name)] = value;
  }
  variables.TASK_ID = task.id;
  variables.TASK_RESULT_FILE = paths.resultFile;
  if (paths.payloadFile !== undefined) variables.TASK_PAYLOAD_FILE = paths.payloadFile;
  if (task.receiveCount !== undefined) variables.TASK_RECEIVE_COUNT = String(task.receiveCount);
  if (includePayload) variables.TASK_PAYLOAD = task.payload;
  return variables;
}

/** Returns Tasque's environment without the variables that describe a task, so none leaks into another task. */
export function inheritedEnvironment(environment: NodeJS.ProcessEnv): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (value !== undefined && !PER_TASK_VARIABLE.test(name)) inherited[name] = value;
  }
  return inherited;
}
