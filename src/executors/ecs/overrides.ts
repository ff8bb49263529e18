import type { TaskOverride } from "@aws-sdk/client-ecs";
import type { Task } from "../../sources/source.ts";
import { attributeVariableName } from "../variables.ts";

/** ECS's limit on the JSON text of a task's overrides, formatting characters included. */
export const MAX_OVERRIDES_CHARS = 8192;

/**
 * Builds the overrides of one task: TASK_PAYLOAD, TASK_ID and, for SQS,
 * TASK_RECEIVE_COUNT and TASK_ATTRIBUTE_* as environment overrides of the
 * named container, and the command when Tasque's command line gives one.
 */
export function buildOverrides(containerName: string, task: Task, command: readonly string[]): TaskOverride {
  const environment = [
    { name: "TASK_PAYLOAD", value: task.payload },
    { name: "TASK_ID", value: task.id },
    ...(task.receiveCount !== undefined ? [{ name: "TASK_RECEIVE_COUNT", value: String(task.receiveCount) }] : []),
    ...Object.entries(task.attributes).map(([name, value]) => ({ name: attributeVariableName(name), value })),
  ];
  return { containerOverrides: [{ name: containerName, environment, ...(command.length > 0 ? { command: [...command] } : {}) }] };
}

/** Returns the length of the overrides' JSON text as the SDK sends it, in characters (code points), escaping included. */
export function overridesLength(overrides: TaskOverride): number {
  let characters = 0;
  for (const _ of JSON.stringify(overrides)) characters++;
  return characters;
}
