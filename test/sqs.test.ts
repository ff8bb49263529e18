import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { cpuTimeMs, runCli, startCli } from "./helpers/cli.ts";
import { startSqs, type SqsEmulator } from "./helpers/emulators.ts";

const scratch = mkdtempSync(join(tmpdir(), "tasque-sqs-"));
let sqs: SqsEmulator;
let queueCount = 0;

before(async () => {
  sqs = await startSqs();
});
after(async () => {
  await sqs.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Creates a fresh queue; each test gets its own, so tests cannot see each other's messages. */
async function createQueue(attributes: Record<string, string> = {}, suffix = ""): Promise<string> {
  const answer = await sqs.client.send(new CreateQueueCommand({ QueueName: `jobs-${++queueCount}${suffix}`, Attributes: attributes }));
  return answer.QueueUrl!;
}

/** Creates a queue whose URL names `host`: fauxqs builds queue URLs from the request's Host header. */
function createQueueNamingHost(name: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${sqs.endpoint}/`,
      { method: "POST", headers: { Host: host, "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue" } },
      (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve((JSON.parse(body) as { QueueUrl: string }).QueueUrl));
      },
    );
    request.on("error", reject);
    request.end(JSON.stringify({ QueueName: name }));
  });
}

async function send(queueUrl: string, body: string, extra: Partial<ConstructorParameters<typeof SendMessageCommand>[0]> = {}): Promise<string> {
  const answer = await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, ...extra }));
  return answer.MessageId!;
}

async function queueCounts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const answer = await sqs.client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
  );
  return {
    visible: Number(answer.Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

function sqsEnv(queueUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { TASK_QUEUE_URL: queueUrl, AWS_ENDPOINT_URL_SQS: sqs.endpoint, ...extra };
}

describe("sqs source", () => {
  test("success deletes the message", async () => {
    const queueUrl = await createQueue();
    await send(queueUrl, '{"n":1}');

    const result = await runCli(["--once", "true"], { env: sqsEnv(queueUrl) });

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await queueCounts(queueUrl), { visible: 0, inFlight: 0 });
  });

  test("failure keeps the message and --once exits with the job's code", async () => {
    const queueUrl = await createQueue();
    await send(queueUrl, "{}");

    const result = await runCli(["--once", "--", "sh", "-c", "exit 3"], { env: sqsEnv(queueUrl, { TASK_RETRY_DELAY: "0s" }) });
    const again = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }));

    assert.equal(result.code, 3, result.stderr);
    assert.equal(again.Messages?.length, 1, "message must be on the queue again");
    assert.equal(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount, "2");
  });

  test("failure without retry delay leaves visibility to the queue", async () => {
    const queueUrl = await createQueue({ VisibilityTimeout: "30" });
    await send(queueUrl, "{}");

    const result = await runCli(["--once", "false"], { env: sqsEnv(queueUrl) });

    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(await queueCounts(queueUrl), { visible: 0, inFlight: 1 });
  });

  test("250 KiB message reaches the job intact", async () => {
    const queueUrl = await createQueue();
    const body = JSON.stringify({ data: "ü€".repeat(250 * 1024 / 5) }).slice(0, 250 * 1024 / 2) + '"}';
    const expected = createHash("sha256").update(body).digest("hex");
    await send(queueUrl, body);

    const result = await runCli(["--once", "--", "sh", "-c", 'echo "stdin=$(sha256sum | cut -d" " -f1) file=$(sha256sum < "$TASK_PAYLOAD_FILE" | cut -d" " -f1)" >&2'], {
      env: sqsEnv(queueUrl),
    });

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`stdin=${expected} file=${expected}`));
  });

  test("receive count and string attributes reach the job", async () => {
    const queueUrl = await createQueue();
    const messageId = await send(queueUrl, "{}", {
      MessageAttributes: {
        "trace-id": { DataType: "String", StringValue: "abc-123" },
        priority: { DataType: "Number", StringValue: "7" },
        blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2]) },
      },
    });

    const result = await runCli(["--once", "--", "sh", "-c", 'echo "id=$TASK_ID count=$TASK_RECEIVE_COUNT trace=$TASK_ATTRIBUTE_TRACE_ID priority=$TASK_ATTRIBUTE_PRIORITY blob=${TASK_ATTRIBUTE_BLOB:-none}" >&2'], {
      env: sqsEnv(queueUrl),
    });

    assert.match(result.stderr, new RegExp(`id=${messageId} count=1 trace=abc-123 priority=7 blob=none`));
  });

  test("heartbeats keep a job longer than the visibility timeout invisible", async () => {
    const queueUrl = await createQueue({ VisibilityTimeout: "2" });
    await send(queueUrl, "{}");

    const worker = startCli(["--once", "--", "sleep", "5"], { env: sqsEnv(queueUrl) });
    await worker.waitFor(/task started/);
    await delay(3500);
    const stolen = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    const result = await worker.done;

    assert.equal(stolen.Messages, undefined, "another consumer must not receive the running message");
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await queueCounts(queueUrl), { visible: 0, inFlight: 0 });
  });

  test("concurrency 4 over 20 messages runs each message exactly once", async () => {
    const queueUrl = await createQueue();
    const log = join(scratch, "exactly-once.log");
    for (let index = 0; index < 20; index++) await send(queueUrl, JSON.stringify({ index }));

    const result = await runCli(
      ["--concurrency", "4", "--stop-when-empty", "--", "sh", "-c", `echo "start $TASK_ID $(date +%s%N)" >> ${log}; sleep 0.3; echo "end $TASK_ID $(date +%s%N)" >> ${log}`],
      { env: sqsEnv(queueUrl) },
    );
    const lines = readFileSync(log, "utf8").trim().split("\n").map((line) => line.split(" "));
    const started = lines.filter(([kind]) => kind === "start").map(([, id]) => id);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(started.length, 20);
    assert.equal(new Set(started).size, 20, "no message may run twice");
    assert.ok(maxOverlap(lines) <= 4, "never more than 4 jobs at once");
    assert.ok(maxOverlap(lines) >= 2, "jobs must run in parallel");
    assert.deepEqual(await queueCounts(queueUrl), { visible: 0, inFlight: 0 });
  });

  test("lines of concurrent jobs never mix", async () => {
    const queueUrl = await createQueue();
    for (let index = 0; index < 4; index++) await send(queueUrl, "{}");
    const job = 'const line = process.env.TASK_ID + ":" + "x".repeat(3000); for (let i = 0; i < 200; i++) console.log(line);';

    const result = await runCli(["--log-format", "json", "--concurrency", "4", "--stop-when-empty", "--", process.execPath, "-e", job], { env: sqsEnv(queueUrl) });
    const jobLines = result.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { task?: string; stream?: string; msg: string })
      .filter((line) => line.stream === "stdout");

    assert.equal(result.code, 0, result.stderr.slice(0, 2000));
    assert.equal(jobLines.length, 800);
    for (const line of jobLines) assert.equal(line.msg, `${line.task}:${"x".repeat(3000)}`);
  });

  test("FIFO messages of one group run in order", async () => {
    const queueUrl = await createQueue({ FifoQueue: "true", ContentBasedDeduplication: "true" }, ".fifo");
    const log = join(scratch, "fifo.log");
    for (let index = 0; index < 6; index++) {
      for (const group of ["a", "b"]) await send(queueUrl, `${group}${index}`, { MessageGroupId: group });
    }

    const result = await runCli(["--concurrency", "4", "--stop-when-empty", "--", "sh", "-c", `sleep 0.$(shuf -i 0-2 -n 1); body=$(cat); echo "$body" >> ${log}`], {
      env: sqsEnv(queueUrl),
    });
    // Each job appends its body and newline in one write, so lines of parallel jobs cannot interleave.
    const bodies = readFileSync(log, "utf8").trim().split("\n");

    assert.equal(result.code, 0, result.stderr);
    for (const group of ["a", "b"]) {
      assert.deepEqual(bodies.filter((body) => body.startsWith(group)), [0, 1, 2, 3, 4, 5].map((index) => `${group}${index}`));
    }
  });

  test("SIGTERM mid-task makes the message visible again at once", async () => {
    const queueUrl = await createQueue({ VisibilityTimeout: "300" });
    await send(queueUrl, "{}");

    const worker = startCli(["--shutdown-grace", "500ms", "--", "sh", "-c", "trap '' TERM; echo running >&2; sleep 30"], { env: sqsEnv(queueUrl) });
    await worker.waitFor(/stderr\| running/);
    worker.signal("SIGTERM");
    const result = await worker.done;
    const again = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));

    assert.equal(result.code, 0, result.stderr);
    assert.equal(again.Messages?.length, 1, "released message must be visible at once");
  });

  test("SIGTERM lets a job that exits 0 in the grace succeed", async () => {
    const queueUrl = await createQueue();
    await send(queueUrl, "{}");

    const worker = startCli(["--", "sh", "-c", "trap 'exit 0' TERM; echo running >&2; while :; do sleep 0.05; done"], { env: sqsEnv(queueUrl) });
    await worker.waitFor(/stderr\| running/);
    worker.signal("SIGTERM");
    const result = await worker.done;

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /task succeeded/);
    assert.deepEqual(await queueCounts(queueUrl), { visible: 0, inFlight: 0 });
  });

  test("queue that does not exist exits 2 with one line", async () => {
    const result = await runCli(["true"], { env: sqsEnv(`${sqs.endpoint}/000000000000/no-such-queue`) });

    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /tasque: cannot use queue .*no-such-queue.*check TASK_QUEUE_URL/);
  });

  test("unreachable SQS at start exits 2 with one line", async () => {
    const result = await runCli(["true"], { env: { TASK_QUEUE_URL: "http://127.0.0.1:9/000000000000/jobs", AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9" } });

    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /tasque: cannot reach queue http:\/\/127\.0\.0\.1:9\/000000000000\/jobs: ECONNREFUSED/);
    assert.doesNotMatch(result.stderr, /unexpected error/);
  });

  test("SQS endpoint override wins over the queue URL's host", async () => {
    // 127.0.0.2 is loopback but nothing listens there, so a request sent to
    // the queue URL's host fails instead of reaching the emulator.
    const queueUrl = await createQueueNamingHost(`elsewhere-${++queueCount}`, "127.0.0.2:9");
    await send(queueUrl, "{}");

    const result = await runCli(["--once", "true"], { env: sqsEnv(queueUrl) });

    assert.equal(result.code, 0, result.stderr);
    assert.match(queueUrl, /^http:\/\/127\.0\.0\.2:9\//);
    assert.deepEqual(await queueCounts(queueUrl), { visible: 0, inFlight: 0 });
  });

  test("idle worker uses almost no CPU", async () => {
    const queueUrl = await createQueue();
    const worker = startCli(["true"], { env: sqsEnv(queueUrl) });
    await worker.waitFor(/receiving from SQS/);
    await delay(1000);

    const before = cpuTimeMs(worker.pid);
    await delay(5000);
    const used = cpuTimeMs(worker.pid) - before;
    worker.signal("SIGTERM");
    await worker.done;

    assert.ok(used < 250, `idle worker used ${used} ms of CPU in 5 s`);
  });
});

describe("sqs source against a restarted emulator", () => {
  test("worker survives the endpoint going away and coming back", async () => {
    const own = await startSqs();
    const port = own.port;
    const { QueueUrl: queueUrl } = await own.client.send(new CreateQueueCommand({ QueueName: "restart" }));
    const worker = startCli(["--", "sh", "-c", "echo handled >&2"], { env: { TASK_QUEUE_URL: queueUrl!, AWS_ENDPOINT_URL_SQS: own.endpoint } });
    await worker.waitFor(/receiving from SQS/);

    await own.stop();
    await worker.waitFor(/receiving tasks from sqs failed; retrying/, 30_000);
    const revived = await startSqs(port);
    await revived.client.send(new CreateQueueCommand({ QueueName: "restart" }));
    await revived.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "{}" }));
    await worker.waitFor(/task succeeded/, 60_000);
    worker.signal("SIGTERM");
    const result = await worker.done;
    await revived.stop();

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /stderr\| handled/);
  });
});

/** Returns the largest number of jobs running at one time, from "start|end ID NANOSECONDS" lines. */
function maxOverlap(lines: string[][]): number {
  const events = lines.map(([kind, , at]) => ({ at: BigInt(at!), change: kind === "start" ? 1 : -1 }));
  events.sort((a, b) => {
    if (a.at === b.at) return a.change - b.change;
    return a.at < b.at ? -1 : 1;
  });
  let running = 0;
  let max = 0;
  for (const event of events) {
    running += event.change;
    max = Math.max(max, running);
  }
  return max;
}
