import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { describe, test } from "node:test";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { Executor } from "../src/executors/executor.ts";
import { createLogger } from "../src/log/logger.ts";
import { FailureDescriber, TEMPLATE_FIELDS } from "../src/outcome/failureReport.ts";
import { compileTemplate } from "../src/outcome/template.ts";
import { ActivitySource } from "../src/sources/stepfunctions/activitySource.ts";
import { StepFunctionsReporter } from "../src/sources/stepfunctions/stepFunctionsReporter.ts";
import { Worker } from "../src/worker/worker.ts";

// stepfunctions-local returns every GetActivityTask at once, so a poll that
// is still in flight at shutdown cannot be produced there. These tests use
// a client whose GetActivityTask returns after a delay, like AWS's long poll.

interface SentCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/** A stand-in SFN client: GetActivityTask returns one task after `pollMs`, other calls succeed at once. */
function slowPollClient(pollMs: number) {
  const sent: SentCommand[] = [];
  const aborted: boolean[] = [];
  let polls = 0;
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }, options?: { abortSignal?: AbortSignal }) {
      sent.push({ name: command.constructor.name, input: command.input });
      if (command.constructor.name !== "GetActivityTaskCommand") return {};
      polls++;
      const signal = options?.abortSignal;
      await delay(pollMs, undefined, signal ? { signal } : {}).catch(() => undefined);
      aborted.push(signal?.aborted ?? false);
      if (signal?.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      return { taskToken: `token-${polls}`, input: "{}" };
    },
  };
  return { client: client as unknown as SFNClient, sent, aborted };
}

const neverRuns: Executor = {
  name: "never",
  run: () => Promise.reject(new Error("no task may run after shutdown")),
};

function buildWorker(client: SFNClient, shutdownGraceMs: number): Worker {
  const log = createLogger({ format: "json", level: "silent" });
  const describer = new FailureDescriber(new Map([["SHUTDOWN", "Worker.Shutdown"]]), compileTemplate("{{.Exit}}", TEMPLATE_FIELDS), "host");
  const reporter = new StepFunctionsReporter(client, describer, log);
  const source = new ActivitySource({ client, activityArn: "arn:aws:states:us-east-1:123456789012:activity:a", reporter, heartbeatMs: 30_000, log, workerName: "w" });
  return new Worker(source, neverRuns, describer, { concurrency: 1, timeoutMs: 0, killGraceMs: 1000, shutdownGraceMs, rules: { returnResult: false } }, log);
}

describe("activity poll at shutdown", () => {
  test("poll in flight finishes and its task fails with SHUTDOWN", async () => {
    const { client, sent, aborted } = slowPollClient(300);
    const worker = buildWorker(client, 5000);

    const running = worker.run();
    await delay(50);
    worker.shutdown("SIGTERM");
    const summary = await running;
    const failure = sent.find((command) => command.name === "SendTaskFailureCommand");

    assert.deepEqual(aborted, [false], "the poll must not be aborted within the grace");
    assert.equal(failure?.input.taskToken, "token-1");
    assert.equal(failure?.input.error, "Worker.Shutdown");
    assert.equal(summary.taskCount, 0);
  });

  test("poll still in flight when the grace ends is aborted", async () => {
    const { client, aborted } = slowPollClient(60_000);
    const worker = buildWorker(client, 200);

    const started = performance.now();
    const running = worker.run();
    await delay(50);
    worker.shutdown("SIGTERM");
    await running;

    assert.deepEqual(aborted, [true]);
    assert.ok(performance.now() - started < 5000, "the worker must stop soon after the grace");
  });

  test("second signal aborts the poll at once", async () => {
    const { client, aborted } = slowPollClient(60_000);
    const worker = buildWorker(client, 60_000);

    const running = worker.run();
    await delay(50);
    worker.shutdown("SIGTERM");
    worker.shutdown("SIGTERM");
    await running;

    assert.deepEqual(aborted, [true]);
  });
});
