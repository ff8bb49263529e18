import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { runCli, startCli } from "./helpers/cli.ts";
import { dockerUnavailable } from "./helpers/docker.ts";
import { startSqs, type SqsEmulator } from "./helpers/emulators.ts";
import { startFakeEcs, type FakeEcs } from "./helpers/fakeEcs.ts";

const skip = await dockerUnavailable();

describe("ecs executor", { skip }, () => {
  let ecs: FakeEcs;
  let family = 0;

  before(async () => {
    ecs = await startFakeEcs();
  });
  after(async () => {
    await ecs.close();
  });

  /** Registers a task definition whose "worker" container runs `script` with sh. */
  function definition(script: string, extra: { memoryMiB?: number; sidecar?: string; image?: string } = {}): string {
    const name = `job-${++family}`;
    ecs.registerTaskDefinition({
      family: name,
      containers: [
        { name: "worker", command: ["sh", "-c", script], ...(extra.memoryMiB ? { memoryMiB: extra.memoryMiB } : {}), ...(extra.image ? { image: extra.image } : {}) },
        ...(extra.sidecar ? [{ name: "sidecar", command: ["sh", "-c", extra.sidecar], essential: false }] : []),
      ],
    });
    return name;
  }

  function ecsEnv(taskDefinition: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      DOCKER: "true",
      DEPLOY_METHOD: "ECS",
      ECS_CLUSTER: ecs.clusterName,
      ECS_TASK_DEFINITION: taskDefinition,
      ECS_CONTAINER_NAME: "worker",
      ECS_POLL_INTERVAL: "200ms",
      AWS_ENDPOINT_URL_ECS: ecs.endpoint,
      LOG_FORMAT: "json",
      ...extra,
    };
  }

  const failureLine = (stderr: string) =>
    stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.outcome === "failure");

  test("exit code of the named container is the outcome", async () => {
    const result = await runCli(["--payload", "{}"], { env: ecsEnv(definition("exit 3")) });

    assert.equal(result.code, 3, result.stderr);
    assert.equal(failureLine(result.stderr)?.key, "3");
  });

  test("payload and task id arrive as environment overrides", async () => {
    const taskDefinition = definition('test "$TASK_PAYLOAD" = \'{"n":1}\' && test "$TASK_ID" = local');
    const result = await runCli(["--payload", '{"n":1}'], { env: ecsEnv(taskDefinition) });

    assert.equal(result.code, 0, result.stderr);
    const run = ecs.calls.filter((call) => call.action === "RunTask").at(-1);
    assert.equal(run?.body.startedBy, "tasque");
    assert.equal(run?.body.cluster, ecs.clusterName);
  });

  test("command on Tasque's command line overrides the container's", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", "exit 4"], { env: ecsEnv(definition("exit 0")) });
    assert.equal(result.code, 4, result.stderr);
  });

  test("other containers' exit codes do not decide the outcome", async () => {
    const result = await runCli(["--payload", "{}"], { env: ecsEnv(definition("sleep 1; exit 0", { sidecar: "exit 9" })) });
    assert.equal(result.code, 0, result.stderr);
  });

  test("payload just under the override limit is sent", async () => {
    const taskDefinition = definition("exit 0");
    const overhead = JSON.stringify({ containerOverrides: [{ name: "worker", environment: [{ name: "TASK_PAYLOAD", value: "" }, { name: "TASK_ID", value: "local" }] }] }).length;
    const payload = "p".repeat(8192 - overhead);

    const result = await runCli(["--payload", payload], { env: ecsEnv(taskDefinition) });

    assert.equal(result.code, 0, result.stderr);
  });

  test("payload just over the override limit fails with PARAMETER before ECS is called", async () => {
    const taskDefinition = definition("exit 0");
    const calls = ecs.calls.length;
    const overhead = JSON.stringify({ containerOverrides: [{ name: "worker", environment: [{ name: "TASK_PAYLOAD", value: "" }, { name: "TASK_ID", value: "local" }] }] }).length;

    const result = await runCli(["--payload", "p".repeat(8192 - overhead + 1)], { env: ecsEnv(taskDefinition, { EXIT_PARAMETER: "PayloadTooLarge" }) });
    const failure = failureLine(result.stderr);

    assert.equal(result.code, 1, result.stderr);
    assert.equal(failure?.key, "PARAMETER");
    assert.equal(failure?.error, "PayloadTooLarge");
    assert.match(String(failure?.cause), /8193 characters of JSON, over ECS's limit of 8192/);
    assert.equal(ecs.calls.slice(calls).filter((call) => call.action === "RunTask").length, 0);
  });

  test("payload that JSON escaping doubles is measured escaped", async () => {
    const taskDefinition = definition("exit 0");
    // 3000 quotes are 3000 characters of payload but 6000 of JSON.
    const result = await runCli(["--payload", '"'.repeat(3000) + "x".repeat(2500)], { env: ecsEnv(taskDefinition) });

    assert.equal(result.code, 1, result.stderr);
    assert.equal(failureLine(result.stderr)?.key, "PARAMETER");
  });

  const placementFailures: Array<[string, string]> = [
    ["RESOURCE:CPU", "CPU"],
    ["RESOURCE:MEMORY", "MEMORY"],
    ["RESOURCE:PORTS", "RESOURCE"],
    ["AGENT", "AGENT"],
    ["ATTRIBUTE", "ATTRIBUTE"],
    ["SOMETHING:ELSE", "UNKNOWN"],
  ];
  for (const [reason, key] of placementFailures) {
    test(`placement failure ${reason} is key ${key}`, async () => {
      const taskDefinition = definition("exit 0");
      ecs.failNextStart({ reason });

      const result = await runCli(["--payload", "{}"], { env: ecsEnv(taskDefinition) });
      const failure = failureLine(result.stderr);

      assert.equal(result.code, 1, result.stderr);
      assert.equal(failure?.key, key);
      assert.match(String(failure?.cause), new RegExp(reason));
    });
  }

  test("InvalidParameterException is key PARAMETER", async () => {
    const taskDefinition = definition("exit 0");
    ecs.rejectNextStart("InvalidParameterException", "Override for container named worker is not a container in the TaskDefinition.");

    const result = await runCli(["--payload", "{}"], { env: ecsEnv(taskDefinition) });

    assert.equal(result.code, 1, result.stderr);
    assert.equal(failureLine(result.stderr)?.key, "PARAMETER");
  });

  test("wrong ECS_CONTAINER_NAME warns at start-up and fails with PARAMETER", async () => {
    const result = await runCli(["--payload", "{}"], { env: ecsEnv(definition("exit 0"), { ECS_CONTAINER_NAME: "wroker" }) });

    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /task definition has no container named wroker/);
    assert.equal(failureLine(result.stderr)?.key, "PARAMETER");
  });

  test("OutOfMemoryError stop is key MEMORY", async () => {
    const taskDefinition = definition('x=$(head -c 200000000 /dev/zero | tr "\\0" a)', { memoryMiB: 16 });

    const result = await runCli(["--payload", "{}"], { env: ecsEnv(taskDefinition) });
    const failure = failureLine(result.stderr);

    assert.notEqual(result.code, 0, result.stderr);
    assert.equal(failure?.key, "MEMORY");
    assert.match(String(failure?.cause), /OutOfMemoryError/);
  });

  test("container without an exit code is UNKNOWN with the reasons in Output", async () => {
    const taskDefinition = definition("exit 0", { image: "tasque-test/missing-image:1" });

    const result = await runCli(["--payload", "{}"], { env: ecsEnv(taskDefinition, { ERROR_MESSAGE_TEMPLATE: "{{.Output}}" }) });
    const failure = failureLine(result.stderr);

    assert.equal(result.code, 1, result.stderr);
    assert.equal(failure?.key, "UNKNOWN");
    assert.match(String(failure?.cause), /CannotPullContainerError/);
    assert.match(result.stderr, /ECS task stopped: .*CannotPullContainerError/);
  });

  test("timeout calls StopTask with a reason and reports TIMEOUT", async () => {
    const result = await runCli(["--timeout", "1s", "--payload", "{}"], { env: ecsEnv(definition("sleep 60")) });
    const stopCall = ecs.calls.filter((call) => call.action === "StopTask").at(-1);

    assert.equal(result.code, 124, result.stderr);
    assert.match(String(stopCall?.body.reason), /Tasque: timed out after 1s/);
    assert.deepEqual(await ecs.runningEngineContainers(), []);
  });

  test("SIGTERM stops every ECS task at once", async () => {
    const worker = startCli(["--payload", "{}"], { env: ecsEnv(definition("trap 'exit 0' TERM; while :; do sleep 0.1; done")) });
    await worker.waitFor(/ECS task RUNNING/);
    worker.signal("SIGTERM");
    const result = await worker.done;
    const stopCall = ecs.calls.filter((call) => call.action === "StopTask").at(-1);

    assert.equal(result.code, 0, result.stderr);
    assert.match(String(stopCall?.body.reason), /shutting down/);
    assert.deepEqual(await ecs.runningEngineContainers(), []);
  });

  test("RETURN_RESULT with ECS is a start-up error", async () => {
    const result = await runCli(["--return-result", "--payload", "{}"], { env: ecsEnv(definition("exit 0")) });

    assert.equal(result.code, 2);
    assert.match(result.stderr, /RETURN_RESULT cannot be used with the ECS executor/);
  });

  test("StartTask on this instance through the agent", async () => {
    const taskDefinition = definition("exit 5");
    const environment = ecsEnv(taskDefinition, { ECS_AGENT_URI: ecs.agentUri });
    delete (environment as Record<string, string | undefined>).ECS_CLUSTER;

    const result = await runCli(["--payload", "{}"], { env: { ...environment, ECS_CLUSTER: "" } });
    const start = ecs.calls.filter((call) => call.action === "StartTask").at(-1);

    assert.equal(result.code, 5, result.stderr);
    assert.deepEqual(start?.body.containerInstances, [ecs.containerInstanceArn]);
  });

  test("unreachable agent is a start-up error", async () => {
    const result = await runCli(["--payload", "{}"], { env: { ...ecsEnv(definition("exit 0")), ECS_CLUSTER: "", ECS_AGENT_URI: "http://127.0.0.1:9" } });

    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /cannot read the ECS agent's metadata at http:\/\/127.0.0.1:9\/v1\/metadata/);
  });

  describe("with a queue", () => {
    let sqs: SqsEmulator;
    before(async () => {
      sqs = await startSqs();
    });
    after(async () => {
      await sqs.stop();
    });

    test("one DescribeTasks call covers all running tasks", async () => {
      const { QueueUrl: queueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: "ecs-batch" }));
      for (let index = 0; index < 5; index++) await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: String(index) }));
      const taskDefinition = definition("sleep 2");
      const batches = ecs.describeBatchSizes.length;

      const result = await runCli(["--concurrency", "5", "--stop-when-empty"], {
        env: { ...ecsEnv(taskDefinition), TASK_QUEUE_URL: queueUrl!, AWS_ENDPOINT_URL_SQS: sqs.endpoint },
      });
      const sizes = ecs.describeBatchSizes.slice(batches);

      assert.equal(result.code, 0, result.stderr);
      assert.ok(Math.max(...sizes) >= 2, `DescribeTasks calls covered ${sizes.join(", ")} tasks`);
      assert.ok(sizes.length < 5 * 15, "polls must be shared, not one loop per task");
    });
  });
});
