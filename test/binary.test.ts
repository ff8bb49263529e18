import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { CreateActivityCommand, CreateStateMachineCommand, DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { testEnvironment, type CliResult } from "./helpers/cli.ts";
import { dockerUnavailable, tasqueContainers, TEST_DOCKER_HOST, TEST_IMAGE } from "./helpers/docker.ts";
import { startSqs, startStepFunctions, type SqsEmulator, type StepFunctionsEmulator } from "./helpers/emulators.ts";
import { startFakeEcs, type FakeEcs } from "./helpers/fakeEcs.ts";

/*
 * Runs dist/tasque, the single executable of scripts/build-binary.mjs, with
 * every source and executor, in an empty folder. The before
 * hook builds the executable when it is missing or older than what it is
 * built from. .ci/run builds it before the tests start.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXECUTABLE = join(ROOT, "dist", "tasque");
/** What dist/tasque is built from. dist/cli/main.js is not among them: `npm test` rewrites it on every run. */
const BUILD_INPUTS = ["src", "package.json", "package-lock.json", "scripts/build-binary.mjs"];
const BUILD_TIMEOUT_MS = 300_000;
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const HELLO_SH = join(ROOT, "examples", "hello.sh");

const platformSkip = process.platform === "linux" && process.arch === "x64" ? undefined : `the executable is built for Linux x64 only, not ${process.platform}-${process.arch}`;
const dockerSkip = platformSkip ?? (await dockerUnavailable());
/** Working folder of every run: empty, so that no node_modules is near the executable. */
const scratch = mkdtempSync(join(tmpdir(), "tasque-binary-"));

after(() => rmSync(scratch, { recursive: true, force: true }));

function newestModificationMs(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newestModificationMs(join(path, name))));
}

function executableIsCurrent(): boolean {
  let builtMs: number;
  try {
    builtMs = statSync(EXECUTABLE).mtimeMs;
  } catch {
    return false;
  }
  return BUILD_INPUTS.every((input) => newestModificationMs(join(ROOT, input)) <= builtMs);
}

function buildExecutable(): void {
  const build = spawnSync(process.execPath, [join(ROOT, "scripts", "build-binary.mjs")], { cwd: ROOT, encoding: "utf8", timeout: BUILD_TIMEOUT_MS });
  if (build.status !== 0) throw new Error(`scripts/build-binary.mjs failed (${build.status ?? build.signal ?? build.error?.message}):\n${build.stdout}${build.stderr}`);
}

/** Runs dist/tasque in the test environment plus `env`, in the empty scratch folder, and collects its output. */
function runExecutable(args: readonly string[], env: Record<string, string | undefined> = {}, killAfterMs = 60_000): Promise<CliResult> {
  const started = performance.now();
  const child = spawn(EXECUTABLE, args, { cwd: scratch, env: testEnvironment(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

/**
 * Asserts that a run printed no warning: neither Node.js's own, such as the
 * SEA notice that require() loads only built-in modules, nor a WARN line of
 * Tasque's log, which is where Tasque sends process warnings.
 */
function assertNoWarning(stderr: string): void {
  assert.doesNotMatch(stderr, /warn/i, `the run printed a warning:\n${stderr}`);
}

describe("single executable", { skip: platformSkip }, () => {
  before(() => {
    if (!executableIsCurrent()) buildExecutable();
  });

  test("--version prints the package version", async () => {
    const result = await runExecutable(["--version"]);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${VERSION}\n`);
    assert.equal(result.stderr, "");
  });

  test("--help lists the options", async () => {
    const result = await runExecutable(["--help"]);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: tasque /);
    assert.match(result.stdout, /--queue-url/);
    assert.equal(result.stderr, "");
  });

  test("closed stdout is not an error", () => {
    const result = spawnSync("bash", ["-c", `set -o pipefail; "${EXECUTABLE}" --help | true`], { encoding: "utf8" });

    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE/);
  });

  test("payload run prints the job's result", async () => {
    const result = await runExecutable(["--payload", '{"name":"Ada"}', "--", HELLO_SH], { RETURN_RESULT: "true" });

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { payloadBytes: 14 });
    assert.match(result.stderr, /task succeeded/);
    assertNoWarning(result.stderr);
  });

  test("failing job's exit code is Tasque's", async () => {
    const result = await runExecutable(["--payload", "{}", "--", "sh", "-c", "exit 3"]);

    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /exited with code 3/);
  });

  describe("with SQS", () => {
    let sqs: SqsEmulator;
    before(async () => {
      sqs = await startSqs();
    });
    after(async () => {
      await sqs.stop();
    });

    test("worker runs a message and deletes it", async () => {
      const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: "binary-jobs" }));
      await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"n":1}' }));

      const result = await runExecutable(["--queue-url", QueueUrl!, "--max-tasks", "1", "--", "sh", "-c", 'test "$(cat)" = \'{"n":1}\''], {
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      });

      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /task succeeded/);
      assertNoWarning(result.stderr);
      const left = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
      assert.equal(left.Messages, undefined);
    });
  });

  describe("with Step Functions", () => {
    let sfn: StepFunctionsEmulator;
    before(async () => {
      sfn = await startStepFunctions();
    });
    after(async () => {
      await sfn.stop();
    });

    test("activity worker returns the result", async () => {
      const { activityArn } = await sfn.client.send(new CreateActivityCommand({ name: "binary-work" }));
      const definition = { StartAt: "Work", States: { Work: { Type: "Task", Resource: activityArn, End: true } } };
      const { stateMachineArn } = await sfn.client.send(
        new CreateStateMachineCommand({ name: "binary-machine", definition: JSON.stringify(definition), roleArn: "arn:aws:iam::0123456789:role/test" }),
      );
      const { executionArn } = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"name":"Ada"}' }));

      const result = await runExecutable(["--once", "--return-result", "--", HELLO_SH], { TASK_ACTIVITY_ARN: activityArn, AWS_ENDPOINT_URL_SFN: sfn.endpoint });

      assert.equal(result.code, 0, result.stderr);
      assertNoWarning(result.stderr);
      // stepfunctions-local advances executions on a one-second tick.
      let execution = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
      for (let attempt = 0; execution.status === "RUNNING" && attempt < 100; attempt++) {
        await delay(200);
        execution = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
      }
      assert.equal(execution.status, "SUCCEEDED");
      assert.deepEqual(JSON.parse(execution.output ?? "null"), { payloadBytes: 14 });
    });
  });

  describe("with the test Docker Engine", { skip: dockerSkip }, () => {
    let ecs: FakeEcs;
    before(async () => {
      ecs = await startFakeEcs();
    });
    after(async () => {
      await ecs.close();
    });

    test("Docker executor returns the result file", async () => {
      const base = `tq-binary-${process.pid}`;
      const env = {
        DOCKER: "true",
        DEPLOY_METHOD: "DOCKER",
        DOCKER_HOST: TEST_DOCKER_HOST,
        DOCKER_CONTAINER_NAME: base,
        DOCKER_PULL: "never",
        DOCKER_TASK_DEFINITION: JSON.stringify({ ImageName: TEST_IMAGE, NetworkMode: "none" }),
        RETURN_RESULT: "true",
      };

      const result = await runExecutable(["--payload", '{"n":2}', "--", "sh", "-c", 'cat "$TASK_PAYLOAD_FILE" > "$TASK_RESULT_FILE"'], env);

      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { n: 2 });
      assertNoWarning(result.stderr);
      assert.deepEqual(await tasqueContainers(base), []);
    });

    test("ECS executor reports the container's exit code", async () => {
      ecs.registerTaskDefinition({ family: "binary-job", containers: [{ name: "worker", command: ["sh", "-c", "exit 3"] }] });
      const env = {
        DOCKER: "true",
        DEPLOY_METHOD: "ECS",
        ECS_CLUSTER: ecs.clusterName,
        ECS_TASK_DEFINITION: "binary-job",
        ECS_CONTAINER_NAME: "worker",
        ECS_POLL_INTERVAL: "200ms",
        AWS_ENDPOINT_URL_ECS: ecs.endpoint,
      };

      const result = await runExecutable(["--payload", "{}"], env);

      assert.equal(result.code, 3, result.stderr);
      assert.ok(ecs.calls.some((call) => call.action === "RunTask"), "no RunTask call reached the fake ECS API");
      assert.match(result.stderr, /exited with code 3/);
    });
  });
});
