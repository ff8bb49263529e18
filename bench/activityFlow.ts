import { setTimeout as delay } from "node:timers/promises";
import { CreateActivityCommand, CreateStateMachineCommand, GetExecutionHistoryCommand, ListExecutionsCommand, StartExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";

/** Pause between two checks of the emulator's state. */
const CHECK_INTERVAL_MS = 100;

/** An activity, a one-state machine whose Task state uses it, and the executions started on it. */
export interface ActivityFlow {
  readonly activityArn: string;
  readonly stateMachineArn: string;
  readonly executionArns: readonly string[];
}

let flowCount = 0;

/** Creates a fresh activity and state machine, so that no run gets another run's tasks, and starts `executionCount` executions. */
export async function startActivityFlow(client: SFNClient, executionCount: number): Promise<ActivityFlow> {
  const name = `bench-${process.pid}-${++flowCount}`;
  const { activityArn } = await client.send(new CreateActivityCommand({ name }));
  const definition = { StartAt: "Work", States: { Work: { Type: "Task", Resource: activityArn, End: true } } };
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: "arn:aws:iam::123456789012:role/bench" }),
  );
  const executionArns: string[] = [];
  for (let index = 0; index < executionCount; index++) {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ index }) }));
    executionArns.push(executionArn!);
  }
  return { activityArn: activityArn!, stateMachineArn: stateMachineArn!, executionArns };
}

/**
 * Waits until the activity task of every execution is scheduled, so that a
 * worker started next finds a task on every poll until the last ones are taken.
 */
export async function waitUntilScheduled(client: SFNClient, flow: ActivityFlow, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  for (const executionArn of flow.executionArns) {
    while (!(await isScheduled(client, executionArn))) {
      if (performance.now() > deadline) throw new Error(`the activity task of ${executionArn} was not scheduled within ${limitMs} ms`);
      await delay(CHECK_INTERVAL_MS);
    }
  }
}

async function isScheduled(client: SFNClient, executionArn: string): Promise<boolean> {
  const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
  return events?.some((event) => event.type === "ActivityScheduled") ?? false;
}

/** Waits until every execution has succeeded. stepfunctions-local checks a running activity task once a second, so this lags the last report by up to a second. */
export async function waitUntilSucceeded(client: SFNClient, flow: ActivityFlow, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  let succeeded = 0;
  while (performance.now() < deadline) {
    const { executions } = await client.send(new ListExecutionsCommand({ stateMachineArn: flow.stateMachineArn, statusFilter: "SUCCEEDED", maxResults: 1000 }));
    succeeded = executions?.length ?? 0;
    if (succeeded >= flow.executionArns.length) return;
    await delay(CHECK_INTERVAL_MS);
  }
  throw new Error(`${succeeded} of ${flow.executionArns.length} executions succeeded within ${limitMs} ms`);
}
