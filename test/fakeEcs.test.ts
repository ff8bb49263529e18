import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  type RunTaskCommandInput,
  StartTaskCommand,
  StopTaskCommand,
  type Task,
} from "@aws-sdk/client-ecs";
import { dockerUnavailable, testDocker } from "./helpers/docker.ts";
import { TEST_AWS } from "./helpers/emulators.ts";
import { startFakeEcs, type FakeContainerDefinition, type FakeEcs } from "./helpers/fakeEcs.ts";

const skip = await dockerUnavailable();
const OOM_SCRIPT = 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived';

/** Returns a client of the fake, with the test credentials and region. */
function ecsClient(fake: FakeEcs): ECSClient {
  return new ECSClient({ ...TEST_AWS, endpoint: fake.endpoint });
}

/** Polls DescribeTasks until the task reaches `status`, and returns that description. */
async function waitForStatus(client: ECSClient, fake: FakeEcs, taskArn: string, status: string, timeoutMs = 20_000): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { tasks = [] } = await client.send(new DescribeTasksCommand({ cluster: fake.clusterName, tasks: [taskArn] }));
    const task = tasks[0];
    if (task?.lastStatus === status) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskArn} did not reach ${status} within ${timeoutMs} ms. Last description: ${JSON.stringify(task)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("fake ECS server", { skip }, () => {
  let fake: FakeEcs;
  let client: ECSClient;
  let familyCount = 0;

  before(async () => {
    fake = await startFakeEcs({ stopTimeoutSec: 1 });
    client = ecsClient(fake);
  });

  after(async () => {
    client?.destroy();
    await fake?.close();
  });

  /** Registers a task definition of a new family and returns its ARN. */
  function register(...containers: FakeContainerDefinition[]): string {
    return fake.registerTaskDefinition({ family: `self-test-${++familyCount}`, containers });
  }

  async function runTask(taskDefinition: string, input: Partial<RunTaskCommandInput> = {}): Promise<Task> {
    const { tasks = [], failures = [] } = await client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition, ...input }));
    assert.deepEqual(failures, []);
    assert.equal(tasks.length, 1);
    return tasks[0]!;
  }

  test("exit 3 reports STOPPED with exit code 3", async () => {
    const started = await runTask(register({ name: "main", command: ["sh", "-c", "exit 3"] }));
    assert.equal(started.lastStatus, "PENDING");
    assert.equal(started.desiredStatus, "RUNNING");

    const stopped = await waitForStatus(client, fake, started.taskArn!, "STOPPED");
    assert.equal(stopped.stopCode, "EssentialContainerExited");
    assert.equal(stopped.stoppedReason, "Essential container in task exited");
    assert.equal(stopped.containers?.[0]?.exitCode, 3);
    assert.equal(stopped.containers?.[0]?.lastStatus, "STOPPED");
    assert.ok(stopped.stoppedAt instanceof Date);
  });

  test("stopped task survives container removal", async () => {
    const started = await runTask(register({ name: "main", command: ["true"] }));
    await waitForStatus(client, fake, started.taskArn!, "STOPPED");

    const names = await fake.runningEngineContainers();
    assert.ok(!names.some((name) => name.includes(started.taskArn!.split("/").pop()!)), names.join(", "));
    const again = await waitForStatus(client, fake, started.taskArn!, "STOPPED", 0);
    assert.equal(again.containers?.[0]?.exitCode, 0);
  });

  test("engine container gets overrides and labels", async () => {
    const taskDefinition = register({ name: "worker", command: ["sleep", "1"], environment: { FROM_DEFINITION: "d", SHARED: "definition" }, memoryMiB: 32 });
    const started = await runTask(taskDefinition, {
      overrides: { containerOverrides: [{ name: "worker", command: ["sleep", "60"], environment: [{ name: "SHARED", value: "override" }] }] },
    });
    const running = await waitForStatus(client, fake, started.taskArn!, "RUNNING");
    const info = await testDocker().getContainer(running.containers![0]!.runtimeId!).inspect();

    assert.deepEqual(info.Config.Cmd, ["sleep", "60"]);
    assert.ok(info.Config.Env.includes("FROM_DEFINITION=d"), info.Config.Env.join(" "));
    assert.ok(info.Config.Env.includes("SHARED=override"), info.Config.Env.join(" "));
    assert.equal(info.HostConfig.Memory, 32 * 1024 * 1024);
    assert.equal(info.HostConfig.NetworkMode, "none");
    assert.equal(info.Config.Labels["com.amazonaws.ecs.cluster"], fake.clusterName);
    assert.equal(info.Config.Labels["com.amazonaws.ecs.container-name"], "worker");
    assert.equal(info.Config.Labels["com.amazonaws.ecs.task-arn"], started.taskArn);
    assert.equal(info.Config.Labels["com.amazonaws.ecs.task-definition-version"], "1");
    assert.equal(info.Config.Labels["tasque.fake-ecs"], "true");

    await client.send(new StopTaskCommand({ cluster: fake.clusterName, task: started.taskArn, reason: "test over" }));
    await waitForStatus(client, fake, started.taskArn!, "STOPPED");
  });

  test("StopTask stops a sleep 60 task with the reason", async () => {
    const started = await runTask(register({ name: "sleeper", command: ["sleep", "60"] }));
    await waitForStatus(client, fake, started.taskArn!, "RUNNING");

    const { task } = await client.send(new StopTaskCommand({ cluster: fake.clusterName, task: started.taskArn, reason: "Timed out after 5s" }));
    assert.equal(task?.desiredStatus, "STOPPED");
    const stopped = await waitForStatus(client, fake, started.taskArn!, "STOPPED");

    assert.equal(stopped.stopCode, "UserInitiated");
    assert.equal(stopped.stoppedReason, "Timed out after 5s");
    // sleep runs as PID 1, which ignores SIGTERM, so docker stop kills it after the timeout.
    assert.equal(stopped.containers?.[0]?.exitCode, 137);
  });

  test("failNextStart returns the failure and starts nothing", async () => {
    const taskDefinition = register({ name: "main", command: ["true"] });
    fake.failNextStart({ reason: "RESOURCE:MEMORY" });

    const { tasks, failures } = await client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition }));
    assert.deepEqual(tasks, []);
    assert.deepEqual(failures, [{ arn: fake.containerInstanceArn, reason: "RESOURCE:MEMORY" }]);

    const next = await runTask(taskDefinition);
    assert.equal(next.lastStatus, "PENDING");
  });

  test("rejectNextStart returns the error", async () => {
    const taskDefinition = register({ name: "main", command: ["true"] });
    fake.rejectNextStart("AccessDeniedException", "User is not authorized to perform ecs:RunTask");

    await assert.rejects(client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition })), {
      name: "AccessDeniedException",
      message: "User is not authorized to perform ecs:RunTask",
    });
  });

  test("overrides over 8192 characters are rejected", async () => {
    const taskDefinition = register({ name: "main", command: ["true"] });
    const overridesOfLength = (length: number) => {
      const empty = JSON.stringify({ containerOverrides: [{ name: "main", environment: [{ name: "BIG", value: "" }] }] }).length;
      return { containerOverrides: [{ name: "main", environment: [{ name: "BIG", value: "x".repeat(length - empty) }] }] };
    };

    await assert.rejects(client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition, overrides: overridesOfLength(8193) })), {
      name: "InvalidParameterException",
      message: "Container Overrides length must be at most 8192",
    });
    const accepted = await runTask(taskDefinition, { overrides: overridesOfLength(8192) });
    assert.equal(accepted.lastStatus, "PENDING");
  });

  test("override of an unknown container is rejected", async () => {
    const taskDefinition = register({ name: "main", command: ["true"] });
    await assert.rejects(client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition, overrides: { containerOverrides: [{ name: "app", command: ["true"] }] } })), {
      name: "InvalidParameterException",
      message: "Override for container named app is not a container in the TaskDefinition.",
    });
  });

  test("startedBy over limits is rejected", async () => {
    const taskDefinition = register({ name: "main", command: ["true"] });
    await assert.rejects(client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition, startedBy: "a".repeat(129) })), { name: "InvalidParameterException" });
    await assert.rejects(
      client.send(new StartTaskCommand({ cluster: fake.clusterName, taskDefinition, containerInstances: [fake.containerInstanceArn], startedBy: "a".repeat(37) })),
      { name: "InvalidParameterException" },
    );
  });

  test("unknown task definition is a ClientException", async () => {
    await assert.rejects(client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition: "no-such-family" })), {
      name: "ClientException",
      message: "Unable to describe task definition.",
    });
  });

  test("unknown cluster is a ClusterNotFoundException", async () => {
    const taskDefinition = register({ name: "main", command: ["true"] });
    await assert.rejects(client.send(new RunTaskCommand({ cluster: "other", taskDefinition })), { name: "ClusterNotFoundException" });
  });

  test("OOM kill under memoryMiB 16 reports OutOfMemoryError", async () => {
    const started = await runTask(register({ name: "hog", command: ["sh", "-c", OOM_SCRIPT], memoryMiB: 16 }));
    const stopped = await waitForStatus(client, fake, started.taskArn!, "STOPPED");

    assert.equal(stopped.stopCode, "EssentialContainerExited");
    assert.equal(stopped.containers?.[0]?.exitCode, 137);
    assert.equal(stopped.containers?.[0]?.reason, "OutOfMemoryError: Container killed due to memory usage");
  });

  test("missing image reports CannotPullContainerError without exit code", async () => {
    const taskDefinition = register(
      { name: "app", image: "tasque-test/no-such-image:latest" },
      { name: "sidecar", command: ["sleep", "60"], essential: false },
    );
    const started = await runTask(taskDefinition);
    const stopped = await waitForStatus(client, fake, started.taskArn!, "STOPPED");
    const app = stopped.containers?.find((container) => container.name === "app");
    const sidecar = stopped.containers?.find((container) => container.name === "sidecar");

    assert.equal(stopped.stopCode, "TaskFailedToStart");
    assert.equal(stopped.stoppedReason, "Task failed to start");
    assert.equal(app?.lastStatus, "STOPPED");
    assert.equal(app?.exitCode, undefined);
    assert.match(app?.reason ?? "", /^CannotPullContainerError: pull image manifest has been retried 1 time\(s\): .*not found$/);
    assert.equal(sidecar?.lastStatus, "STOPPED");
    assert.equal(sidecar?.exitCode, 137);
  });

  test("StartTask runs on the container instance", async () => {
    const taskDefinition = register({ name: "main", command: ["sh", "-c", "exit 5"] });
    const { tasks = [], failures } = await client.send(
      new StartTaskCommand({ cluster: fake.clusterArn, taskDefinition, containerInstances: [fake.containerInstanceArn, "not-an-instance"] }),
    );

    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]?.containerInstanceArn, fake.containerInstanceArn);
    assert.deepEqual(failures, [{ arn: `arn:aws:ecs:us-east-1:123456789012:container-instance/${fake.clusterName}/not-an-instance`, reason: "MISSING" }]);
    const stopped = await waitForStatus(client, fake, tasks[0]!.taskArn!, "STOPPED");
    assert.equal(stopped.containers?.[0]?.exitCode, 5);
  });

  test("DescribeTaskDefinition returns the containers", async () => {
    const arn = register({ name: "main", command: ["echo", "hi"], environment: { A: "1" } });
    const { taskDefinition } = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));

    assert.equal(taskDefinition?.taskDefinitionArn, arn);
    assert.equal(taskDefinition?.revision, 1);
    assert.deepEqual(taskDefinition?.containerDefinitions?.[0]?.command, ["echo", "hi"]);
    assert.deepEqual(taskDefinition?.containerDefinitions?.[0]?.environment, [{ name: "A", value: "1" }]);
    assert.equal(taskDefinition?.containerDefinitions?.[0]?.essential, true);
  });

  test("family and family:revision resolve to revisions", async () => {
    const first = fake.registerTaskDefinition({ family: "revisions", containers: [{ name: "main", command: ["true"] }] });
    const second = fake.registerTaskDefinition({ family: "revisions", containers: [{ name: "main", command: ["false"] }] });

    const latest = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: "revisions" }));
    const pinned = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: "revisions:1" }));
    assert.equal(latest.taskDefinition?.taskDefinitionArn, second);
    assert.equal(pinned.taskDefinition?.taskDefinitionArn, first);
  });

  test("DescribeTasks reports an unknown ARN as MISSING", async () => {
    const started = await runTask(register({ name: "main", command: ["true"] }));
    const missing = `arn:aws:ecs:us-east-1:123456789012:task/${fake.clusterName}/00000000000000000000000000000000`;
    const batchesBefore = fake.describeBatchSizes.length;

    const { tasks = [], failures } = await client.send(new DescribeTasksCommand({ cluster: fake.clusterName, tasks: [started.taskArn!, missing] }));
    assert.deepEqual(
      tasks.map((task) => task.taskArn),
      [started.taskArn],
    );
    assert.deepEqual(failures, [{ arn: missing, reason: "MISSING" }]);
    assert.deepEqual(fake.describeBatchSizes.slice(batchesBefore), [2]);
  });

  test("DescribeTasks rejects an empty list and more than 100 tasks", async () => {
    await assert.rejects(client.send(new DescribeTasksCommand({ cluster: fake.clusterName, tasks: [] })), { name: "InvalidParameterException" });
    const tooMany = Array.from({ length: 101 }, (_, index) => `task-${index}`);
    await assert.rejects(client.send(new DescribeTasksCommand({ cluster: fake.clusterName, tasks: tooMany })), { name: "InvalidParameterException" });
  });

  test("calls records the action and the body", async () => {
    const callsBefore = fake.calls.length;
    await client.send(new DescribeTasksCommand({ cluster: fake.clusterName, tasks: ["abc"] }));

    assert.deepEqual(fake.calls.slice(callsBefore), [{ action: "DescribeTasks", body: { cluster: fake.clusterName, tasks: ["abc"] } }]);
  });

  test("/v1/metadata returns the cluster and container instance", async () => {
    const response = await fetch(`${fake.agentUri}/v1/metadata`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      Cluster: "fake-cluster",
      ContainerInstanceArn: fake.containerInstanceArn,
      Version: "Amazon ECS Agent - v1.80.0 (fake)",
    });
    assert.match(fake.containerInstanceArn, /^arn:aws:ecs:us-east-1:123456789012:container-instance\/fake-cluster\/[0-9a-f]+$/);
  });
});

describe("fake ECS close", { skip }, () => {
  test("close() leaves no engine containers", async () => {
    const family = `close-test-${process.pid}`;
    const fake = await startFakeEcs({ stopTimeoutSec: 1 });
    const client = ecsClient(fake);
    try {
      const taskDefinition = fake.registerTaskDefinition({ family, containers: [{ name: "main", command: ["sleep", "60"] }] });
      const { tasks = [] } = await client.send(new RunTaskCommand({ cluster: fake.clusterName, taskDefinition }));
      await waitForStatus(client, fake, tasks[0]!.taskArn!, "RUNNING");
      assert.equal((await fake.runningEngineContainers()).length, 1);
    } finally {
      client.destroy();
      await fake.close();
    }

    assert.deepEqual(await fake.runningEngineContainers(), []);
    const labelled = await testDocker().listContainers({ all: true, filters: { label: [`com.amazonaws.ecs.task-definition-family=${family}`] } });
    assert.deepEqual(labelled, []);
  });
});
