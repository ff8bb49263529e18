import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { runCli, startCli, type CliOptions } from "./helpers/cli.ts";
import { dockerUnavailable, tasqueContainers, TEST_DOCKER_HOST, TEST_IMAGE, testDocker } from "./helpers/docker.ts";
import { startSqs, type SqsEmulator } from "./helpers/emulators.ts";

const skip = await dockerUnavailable();
const scratch = mkdtempSync(join(tmpdir(), "tasque-docker-"));
let nameCount = 0;

after(() => rmSync(scratch, { recursive: true, force: true }));

/** Environment for a Docker run with its own container name base, so that tests can find their containers. */
function dockerEnv(definition: Record<string, unknown> = {}, extra: Record<string, string> = {}) {
  const base = `tq-test-${process.pid}-${++nameCount}`;
  const env = {
    DOCKER: "true",
    DEPLOY_METHOD: "DOCKER",
    DOCKER_HOST: TEST_DOCKER_HOST,
    DOCKER_CONTAINER_NAME: base,
    DOCKER_PULL: "never",
    DOCKER_TASK_DEFINITION: JSON.stringify({ ImageName: TEST_IMAGE, ...definition }),
    ...extra,
  };
  return { base, env };
}

function runDocker(args: string[], options: { definition?: Record<string, unknown>; env?: Record<string, string> } & Omit<CliOptions, "env"> = {}) {
  const { base, env } = dockerEnv(options.definition, options.env);
  return { base, result: runCli(args, { ...options, env }) };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const failureLine = (stderr: string) =>
  stderr
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.outcome === "failure");

describe("docker executor", { skip }, () => {
  test("300 KiB payload arrives on stdin and in the file", async () => {
    const payload = JSON.stringify({ data: "d".repeat(300 * 1024) });
    const path = join(scratch, "big.json");
    writeFileSync(path, payload);

    const { base, result } = runDocker(["--payload-file", path, "--", "sh", "-c", 'echo "stdin=$(sha256sum | cut -d" " -f1) file=$(sha256sum < "$TASK_PAYLOAD_FILE" | cut -d" " -f1) env=${TASK_PAYLOAD:+set}" >&2']);
    const { code, stderr } = await result;

    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`stdin=${sha256(payload)} file=${sha256(payload)} env=\\n`));
    assert.deepEqual(await tasqueContainers(base), []);
  });

  test("small payload is in TASK_PAYLOAD with TASK_ID", async () => {
    const { result } = runDocker(["--payload", '{"a":1}', "--", "sh", "-c", 'echo "id=$TASK_ID env=$TASK_PAYLOAD" >&2']);
    const { code, stderr } = await result;

    assert.equal(code, 0, stderr);
    assert.match(stderr, /id=local env=\{"a":1\}/);
  });

  test("DOCKER_PAYLOAD_ENV=false leaves TASK_PAYLOAD out", async () => {
    const { result } = runDocker(["--payload", "secret-data", "--", "sh", "-c", 'echo "env=${TASK_PAYLOAD:-unset} stdin=$(cat)" >&2'], { env: { DOCKER_PAYLOAD_ENV: "false" } });
    const { stderr } = await result;
    assert.match(stderr, /env=unset stdin=secret-data/);
  });

  test("container gets the definition's Env but not Tasque's environment", async () => {
    const { result } = runDocker(["--payload", "{}", "--", "sh", "-c", 'echo "mode=$MODE key=${AWS_SECRET_ACCESS_KEY:-absent}" >&2'], { definition: { Env: { MODE: "fast" } } });
    const { stderr } = await result;
    assert.match(stderr, /mode=fast key=absent/);
  });

  const exitCases: Array<[string, string, number]> = [
    ["exit 0 succeeds", "exit 0", 0],
    ["exit 3 is key 3", "exit 3", 3],
    ["SIGKILL death is key 137", 'sh -c "kill -9 \\$\\$"; exit $?', 137],
  ];
  for (const [name, script, expected] of exitCases) {
    test(name, async () => {
      const { result } = runDocker(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", script]);
      const { code, stderr } = await result;

      assert.equal(code, expected, stderr);
      if (expected !== 0) assert.equal(failureLine(stderr)?.key, String(expected));
    });
  }

  test("OOM kill is MEMORY, exit 137", async () => {
    const { result } = runDocker(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], {
      definition: { Memory: "16m" },
      env: { EXIT_MEMORY: "OutOfMemory" },
    });
    const { code, stderr } = await result;
    const failure = failureLine(stderr);

    assert.equal(code, 137, stderr);
    assert.equal(failure?.key, "MEMORY");
    assert.equal(failure?.error, "OutOfMemory");
    assert.match(stderr, /more memory than its limit of 16777216 bytes/);
  });

  test("JSON result on stdout with stderr noise around it", async () => {
    const { result } = runDocker(["--return-result", "--payload", "{}", "--", "sh", "-c", 'echo before >&2; echo \'{"answer": 42}\'; echo after >&2']);
    const { code, stdout, stderr } = await result;

    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { answer: 42 });
  });

  test("result file comes out of the container", async () => {
    const { result } = runDocker(["--return-result", "--payload", "{}", "--", "sh", "-c", 'echo noise; echo \'{"from":"file"}\' > "$TASK_RESULT_FILE"'], {
      definition: { User: "1000:1000" },
    });
    const { code, stdout, stderr } = await result;

    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { from: "file" });
  });

  test("non-root user reads the payload file", async () => {
    const { result } = runDocker(["--payload", "for-user", "--", "sh", "-c", 'echo "uid=$(id -u) file=$(cat "$TASK_PAYLOAD_FILE")" >&2'], { definition: { User: "4242" } });
    const { stderr } = await result;
    assert.match(stderr, /uid=4242 file=for-user/);
  });

  test("timeout stops and removes the container", async () => {
    const { base, result } = runDocker(["--timeout", "500ms", "--kill-grace", "1s", "--payload", "{}", "sleep", "60"]);
    const { code, stderr, elapsedMs } = await result;

    assert.equal(code, 124, stderr);
    assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`);
    assert.deepEqual(await tasqueContainers(base), []);
  });

  test("SIGTERM to Tasque stops the container and the job may exit 0", async () => {
    const { base, env } = dockerEnv();
    const worker = startCli(["--payload", "{}", "--", "sh", "-c", "trap 'echo stopping >&2; exit 0' TERM; echo ready >&2; while :; do sleep 0.1; done"], { env });
    await worker.waitFor(/stderr\| ready/);
    worker.signal("SIGTERM");
    const result = await worker.done;

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /stderr\| stopping/);
    assert.deepEqual(await tasqueContainers(base), []);
  });

  test("container that ignores SIGTERM is killed after the shutdown grace", async () => {
    const { base, env } = dockerEnv();
    const worker = startCli(["--shutdown-grace", "1s", "--payload", "{}", "--", "sh", "-c", "echo ready >&2; sleep 60"], { env });
    await worker.waitFor(/stderr\| ready/);
    worker.signal("SIGTERM");
    const result = await worker.done;

    assert.equal(result.code, 137, result.stderr);
    assert.deepEqual(await tasqueContainers(base), []);
  });

  test("container removed by someone else is a failure, not a hang", async () => {
    const { base, env } = dockerEnv();
    const worker = startCli(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", "echo ready >&2; sleep 60"], { env });
    await worker.waitFor(/"msg":"ready"/);
    const [name] = await tasqueContainers(base);
    await testDocker().getContainer(name!.slice(1)).remove({ force: true });
    const result = await worker.done;

    assert.notEqual(result.code, 0);
    assert.ok(result.elapsedMs < 30_000, `took ${result.elapsedMs} ms`);
  });

  test("leftover container of the same name is removed first", async () => {
    const { base, env } = dockerEnv();
    await testDocker().createContainer({ name: `${base}-local`, Image: TEST_IMAGE, Cmd: ["true"] });

    const result = await runCli(["--payload", "{}", "true"], { env });

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /removed a container of the same name/);
    assert.deepEqual(await tasqueContainers(base), []);
  });

  test("definition's Cmd runs when no command is given", async () => {
    const { result } = runDocker(["--payload", "{}"], { definition: { Cmd: ["sh", "-c", "echo from-definition >&2"] } });
    const { code, stderr } = await result;

    assert.equal(code, 0, stderr);
    assert.match(stderr, /stderr\| from-definition/);
  });

  test("read-only root file system leaves the payload file out", async () => {
    const { result } = runDocker(["--payload", "via-stdin", "--", "sh", "-c", 'echo "file=${TASK_PAYLOAD_FILE:-none} stdin=$(cat)" >&2'], { definition: { ReadonlyRootfs: true } });
    const { code, stderr } = await result;

    assert.equal(code, 0, stderr);
    assert.match(stderr, /file=none stdin=via-stdin/);
    assert.match(stderr, /TASK_PAYLOAD_FILE and TASK_RESULT_FILE are left out/);
  });

  test("missing image with DOCKER_PULL=never fails with 125", async () => {
    const { result } = runDocker(["--payload", "{}", "true"], { definition: { ImageName: "tasque-test/not-there:1" } });
    const { code, stderr } = await result;

    assert.equal(code, 125, stderr);
    assert.match(stderr, /image tasque-test\/not-there:1 is not present.*DOCKER_PULL=never/);
  });

  test("invalid mount fails with 125 naming the setting", async () => {
    const { result } = runDocker(["--payload", "{}", "true"], { definition: { Mounts: [{ Type: "bind", Source: "/nonexistent/tasque-source", Target: "/data" }] } });
    const { code, stderr } = await result;

    assert.equal(code, 125, stderr);
    assert.match(stderr, /rejected the container.*check DOCKER_TASK_DEFINITION/);
  });

  test("unreachable engine fails with 125", async () => {
    const { result } = runDocker(["--payload", "{}", "true"], { env: { DOCKER_HOST: `unix://${join(scratch, "no-engine.sock")}` } });
    const { code, stderr } = await result;

    assert.equal(code, 125, stderr);
    assert.match(stderr, /cannot reach the Docker Engine at unix:\/\//);
  });
});

describe("docker task definition", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["malformed JSON", '{"ImageName": ', /invalid DOCKER_TASK_DEFINITION: not valid JSON/],
    ["not an object", '["busybox"]', /expected a JSON object/],
    ["missing image", "{}", /field ImageName is missing/],
    ["unknown field", '{"ImageName": "a", "Memroy": "1g"}', /unknown field Memroy/],
    ["wrong type", '{"ImageName": "a", "Env": "A=1"}', /field Env is a string/],
    ["bad memory size", '{"ImageName": "a", "Memory": "lots"}', /field Memory is "lots"/],
    ["bad mount", '{"ImageName": "a", "Mounts": [{"Type": "nfs", "Target": "/x"}]}', /Mounts\[0\] has Type "nfs"/],
  ];
  for (const [name, definition, message] of cases) {
    test(`${name} exits 2`, async () => {
      const result = await runCli(["--executor", "docker", "--payload", "{}", "true"], { env: { DOCKER_TASK_DEFINITION: definition, DOCKER_HOST: "unix:///nonexistent.sock" } });

      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  }
});

describe("docker executor with a queue", { skip }, () => {
  let sqs: SqsEmulator;
  before(async () => {
    sqs = await startSqs();
  });
  after(async () => {
    await sqs.stop();
  });

  test("twenty tasks at concurrency 4 each get their own exit code and output", async () => {
    const { QueueUrl: queueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: "docker-twenty" }));
    const codes = new Map<string, number>();
    for (let index = 0; index < 20; index++) {
      const { MessageId } = await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: String(index) }));
      codes.set(MessageId!, index % 4);
    }
    const { base, env } = dockerEnv();

    const result = await runCli(["--log-format", "json", "--concurrency", "4", "--stop-when-empty", "--", "sh", "-c", 'n=$(cat); echo "got $n"; exit $((n % 4))'], {
      env: { ...env, TASK_QUEUE_URL: queueUrl!, AWS_ENDPOINT_URL_SQS: sqs.endpoint, TASK_RETRY_DELAY: "1h" },
    });
    const lines = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

    assert.equal(result.code, 0, result.stderr.slice(0, 3000));
    for (const [messageId, code] of codes) {
      const ends = lines.filter((line) => line.task === messageId && (line.outcome === "success" || line.outcome === "failure"));
      const output = lines.filter((line) => line.task === messageId && line.stream === "stdout");
      assert.equal(ends.length, 1, `task ${messageId} must end once`);
      assert.equal(ends[0]!.outcome === "success" ? 0 : Number(ends[0]!.key), code);
      assert.equal(output.length, 1);
      assert.match(String(output[0]!.msg), /^got \d+$/);
      assert.equal(Number(String(output[0]!.msg).slice(4)) % 4, code);
    }
    assert.deepEqual(await tasqueContainers(base), []);
  });
});
