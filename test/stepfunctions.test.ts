import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from "@aws-sdk/client-sfn";
import { cpuTimeMs, runCli, startCli } from "./helpers/cli.ts";
import { startStepFunctions, type StepFunctionsEmulator } from "./helpers/emulators.ts";

let sfn: StepFunctionsEmulator;
let activityCount = 0;

before(async () => {
  sfn = await startStepFunctions();
});
after(async () => {
  await sfn.stop();
});

interface Flow {
  readonly activityArn: string;
  readonly executionArn: string;
}

/** Creates an activity and a one-state machine that runs it, and starts an execution with `input`. */
async function startFlow(input: unknown, state: Record<string, unknown> = {}): Promise<Flow> {
  const name = `work-${++activityCount}`;
  const { activityArn } = await sfn.client.send(new CreateActivityCommand({ name }));
  const definition = { StartAt: "Work", States: { Work: { Type: "Task", Resource: activityArn, End: true, ...state } } };
  const { stateMachineArn } = await sfn.client.send(
    new CreateStateMachineCommand({ name: `machine-${activityCount}`, definition: JSON.stringify(definition), roleArn: "arn:aws:iam::0123456789:role/test" }),
  );
  const { executionArn } = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  return { activityArn: activityArn!, executionArn: executionArn! };
}

/** Waits for the execution to leave RUNNING; stepfunctions-local advances executions on a one-second tick. */
async function finished(executionArn: string, limitMs = 30_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const execution = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== "RUNNING" || Date.now() > deadline) return execution;
    await delay(200);
  }
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await sfn.client.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
}

function sfnEnv(activityArn: string, extra: Record<string, string> = {}): Record<string, string> {
  return { TASK_ACTIVITY_ARN: activityArn, AWS_ENDPOINT_URL_SFN: sfn.endpoint, ...extra };
}

describe("activity source", () => {
  test("success sends the input as output", async () => {
    const flow = await startFlow({ name: "Ada" });

    const result = await runCli(["--once", "true"], { env: sfnEnv(flow.activityArn) });
    const execution = await finished(flow.executionArn);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(execution.status, "SUCCEEDED");
    assert.deepEqual(JSON.parse(execution.output!), { name: "Ada" });
  });

  test("RETURN_RESULT from stdout becomes the output", async () => {
    const flow = await startFlow({ name: "Ada" });

    const result = await runCli(["--once", "--return-result", "node", "examples/hello.js"], { env: sfnEnv(flow.activityArn) });
    const execution = await finished(flow.executionArn);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(execution.output!), { greeting: "Hello, Ada!" });
  });

  test("RETURN_RESULT from the result file becomes the output", async () => {
    const flow = await startFlow({});

    const result = await runCli(["--once", "--return-result", "--", "sh", "-c", 'echo noise; echo \'{"from":"file"}\' > "$TASK_RESULT_FILE"'], { env: sfnEnv(flow.activityArn) });
    const execution = await finished(flow.executionArn);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(execution.output!), { from: "file" });
  });

  test("failure reports the translated error and the rendered cause", async () => {
    const flow = await startFlow({});

    const result = await runCli(["--once", "--", "sh", "-c", "echo 'bad <input> & more' >&2; exit 3"], {
      env: sfnEnv(flow.activityArn, { EXIT_3: "BadInput", ERROR_MESSAGE_TEMPLATE: "exit {{.Exit}}: {{.Output}}" }),
    });
    const execution = await finished(flow.executionArn);
    const failed = (await history(flow.executionArn)).find((event) => event.type === "ActivityFailed");

    assert.equal(result.code, 3, result.stderr);
    assert.equal(execution.status, "FAILED");
    assert.equal(failed?.activityFailedEventDetails?.error, "BadInput");
    assert.equal(failed?.activityFailedEventDetails?.cause, "exit 3: bad <input> & more");
  });

  test("timeout reports EXIT_TIMEOUT", async () => {
    const flow = await startFlow({});

    const result = await runCli(["--once", "--timeout", "300ms", "sleep", "10"], { env: sfnEnv(flow.activityArn, { EXIT_TIMEOUT: "States.Timeout" }) });
    await finished(flow.executionArn);
    const failed = (await history(flow.executionArn)).find((event) => event.type === "ActivityFailed");

    assert.equal(result.code, 124, result.stderr);
    assert.equal(failed?.activityFailedEventDetails?.error, "States.Timeout");
  });

  test("heartbeats keep a job longer than HeartbeatSeconds alive", async () => {
    const flow = await startFlow({}, { HeartbeatSeconds: 2 });

    const result = await runCli(["--once", "--heartbeat", "500ms", "sleep", "5"], { env: sfnEnv(flow.activityArn) });
    const execution = await finished(flow.executionArn);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(execution.status, "SUCCEEDED");
  });

  test("lost task stops the job and reports nothing", async () => {
    // The first heartbeat comes after the state's HeartbeatSeconds, so the service has given the task up by then.
    const flow = await startFlow({}, { HeartbeatSeconds: 1 });

    const result = await runCli(["--once", "--heartbeat", "3s", "--kill-grace", "1s", "sleep", "60"], { env: sfnEnv(flow.activityArn) });
    const events = await history(flow.executionArn);

    assert.notEqual(result.code, 0);
    assert.ok(result.elapsedMs < 20_000, `took ${result.elapsedMs} ms`);
    assert.match(result.stderr, /Step Functions no longer has this task/);
    assert.equal(events.filter((event) => event.type === "ActivityFailed" || event.type === "ActivitySucceeded").length, 0);
  });

  test("SIGTERM mid-task fails the task with SHUTDOWN", async () => {
    const flow = await startFlow({});

    const worker = startCli(["--shutdown-grace", "300ms", "--", "sh", "-c", "trap '' TERM; echo running >&2; sleep 30"], {
      env: sfnEnv(flow.activityArn, { EXIT_SHUTDOWN: "Worker.Shutdown" }),
    });
    await worker.waitFor(/stderr\| running/);
    worker.signal("SIGTERM");
    const result = await worker.done;
    await finished(flow.executionArn);
    const failed = (await history(flow.executionArn)).find((event) => event.type === "ActivityFailed");

    assert.equal(result.code, 0, result.stderr);
    assert.equal(failed?.activityFailedEventDetails?.error, "Worker.Shutdown");
  });

  test("activity that does not exist exits 2", async () => {
    const result = await runCli(["true"], { env: sfnEnv("arn:aws:states:us-east-1:0123456789:activity:missing") });

    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /tasque: cannot use activity .*missing.*check TASK_ACTIVITY_ARN/);
  });

  test("concurrency 3 runs tasks in parallel", async () => {
    const { activityArn } = await sfn.client.send(new CreateActivityCommand({ name: `parallel-${++activityCount}` }));
    const definition = { StartAt: "Work", States: { Work: { Type: "Task", Resource: activityArn, End: true } } };
    const { stateMachineArn } = await sfn.client.send(
      new CreateStateMachineCommand({ name: `parallel-${activityCount}`, definition: JSON.stringify(definition), roleArn: "arn:aws:iam::0123456789:role/test" }),
    );
    const executions = await Promise.all(
      [1, 2, 3].map(async (index) => (await sfn.client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ index }) }))).executionArn!),
    );
    await delay(1500);

    const result = await runCli(["--concurrency", "3", "--max-tasks", "3", "sleep", "2"], { env: sfnEnv(activityArn!) });
    const statuses = await Promise.all(executions.map(async (arn) => (await finished(arn)).status));

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(statuses, ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    assert.ok(result.elapsedMs < 5500, `three 2-second jobs took ${result.elapsedMs} ms`);
  });

  test("idle worker uses almost no CPU against instant empty polls", async () => {
    const { activityArn } = await sfn.client.send(new CreateActivityCommand({ name: `idle-${++activityCount}` }));
    const worker = startCli(["--concurrency", "4", "true"], { env: sfnEnv(activityArn!) });
    await worker.waitFor(/receiving from a Step Functions activity/);
    await delay(1000);

    const before = cpuTimeMs(worker.pid);
    await delay(5000);
    const used = cpuTimeMs(worker.pid) - before;
    worker.signal("SIGTERM");
    const result = await worker.done;

    assert.ok(used < 250, `idle worker used ${used} ms of CPU in 5 s`);
    assert.equal(result.code, 0, result.stderr);
  });
});

describe("task token source", () => {
  test("reports the result for the token in TASK_TOKEN", async () => {
    const flow = await startFlow({ name: "Grace" });
    await delay(1500);
    const { taskToken, input } = await sfn.client.send(new GetActivityTaskCommand({ activityArn: flow.activityArn }));
    assert.ok(taskToken, "the test needs a task token");

    const result = await runCli(["--return-result", "node", "examples/hello.js"], {
      env: { TASK_TOKEN: taskToken, TASK_PAYLOAD: input!, AWS_ENDPOINT_URL_SFN: sfn.endpoint },
    });
    const execution = await finished(flow.executionArn);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(execution.output!), { greeting: "Hello, Grace!" });
  });

  test("failure exit code is Tasque's exit code", async () => {
    const flow = await startFlow({});
    await delay(1500);
    const { taskToken } = await sfn.client.send(new GetActivityTaskCommand({ activityArn: flow.activityArn }));

    const result = await runCli(["--", "sh", "-c", "exit 7"], { env: { TASK_TOKEN: taskToken!, TASK_PAYLOAD: "{}", AWS_ENDPOINT_URL_SFN: sfn.endpoint } });
    await finished(flow.executionArn);
    const failed = (await history(flow.executionArn)).find((event) => event.type === "ActivityFailed");

    assert.equal(result.code, 7, result.stderr);
    assert.equal(failed?.activityFailedEventDetails?.error, "7");
  });
});
