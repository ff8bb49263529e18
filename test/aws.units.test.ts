import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backoffDelayMs, MAX_BACKOFF_MS } from "../src/aws/backoff.ts";
import { regionFromArn, regionFromQueueUrl } from "../src/aws/region.ts";
import { ConfigError } from "../src/config/configError.ts";
import { readSettings } from "../src/config/settings.ts";
import { FailureDescriber, TEMPLATE_FIELDS } from "../src/outcome/failureReport.ts";
import { compileTemplate } from "../src/outcome/template.ts";
import { heartbeatIntervalMs, MAX_VISIBILITY_SEC, nextExtension } from "../src/sources/sqs/visibility.ts";
import { fitFailureReport, MAX_CAUSE_UNITS, MAX_ERROR_UNITS, taskIdForToken } from "../src/sources/stepfunctions/stepFunctionsReporter.ts";
import { truncateUtf16 } from "../src/util/truncate.ts";

describe("truncateUtf16", () => {
  test("keeps short text", () => assert.equal(truncateUtf16("abc", 5), "abc"));
  test("cuts at the limit", () => assert.equal(truncateUtf16("abcdef", 4), "abcd"));
  test("never splits a surrogate pair", () => assert.equal(truncateUtf16("ab😀", 3), "ab"));
  test("keeps a whole pair that fits", () => assert.equal(truncateUtf16("ab😀c", 4), "ab😀"));
});

describe("fitFailureReport", () => {
  test("cuts error to 256 and cause to 32768 UTF-16 units", () => {
    const fitted = fitFailureReport({ error: "E".repeat(300), cause: "😀".repeat(20_000) });
    assert.equal(fitted.error.length, MAX_ERROR_UNITS);
    assert.equal(fitted.cause.length, MAX_CAUSE_UNITS);
    assert.doesNotMatch(fitted.cause, /[\ud800-\udbff]$/);
  });

  test("long rendered cause is cut, not rejected", () => {
    const describer = new FailureDescriber(new Map(), compileTemplate("{{.Output}}", TEMPLATE_FIELDS), "h");
    const report = describer.describeKey("3", "t", "exited with code 3", "x".repeat(40_000));
    assert.equal(fitFailureReport(report).cause.length, MAX_CAUSE_UNITS);
  });
});

describe("taskIdForToken", () => {
  test("is short and stable", () => {
    assert.equal(taskIdForToken("token-a"), taskIdForToken("token-a"));
    assert.equal(taskIdForToken("token-a").length, 16);
  });

  test("differs for tokens with a common prefix", () => {
    const prefix = "A".repeat(64);
    assert.notEqual(taskIdForToken(`${prefix}1`), taskIdForToken(`${prefix}2`));
  });

  test("works for short tokens", () => assert.equal(taskIdForToken("x").length, 16));
});

describe("regions", () => {
  const urls: Array<[string, string | undefined]> = [
    ["https://sqs.us-east-2.amazonaws.com/123456789012/jobs", "us-east-2"],
    ["https://sqs.cn-north-1.amazonaws.com.cn/123456789012/jobs", "cn-north-1"],
    ["https://us-west-1.queue.amazonaws.com/123456789012/jobs", "us-west-1"],
    ["https://sqs.us-gov-west-1.amazonaws.com/123456789012/jobs", "us-gov-west-1"],
    ["http://127.0.0.1:4566/000000000000/jobs", undefined],
    ["not a url", undefined],
  ];
  for (const [url, region] of urls) test(`queue URL ${url}`, () => assert.equal(regionFromQueueUrl(url), region));

  test("activity ARN", () => assert.equal(regionFromArn("arn:aws:states:eu-west-1:123456789012:activity:resize"), "eu-west-1"));
  test("ARN without region", () => assert.equal(regionFromArn("arn:aws:states:::activity"), undefined));
});

describe("sqs visibility", () => {
  test("heartbeat comes before a short visibility timeout ends", () => {
    assert.equal(heartbeatIntervalMs(30_000, 10), 5000);
  });

  test("heartbeat keeps TASK_HEARTBEAT under a long visibility timeout", () => {
    assert.equal(heartbeatIntervalMs(30_000, 600), 30_000);
  });

  test("heartbeat interval has a floor", () => {
    assert.equal(heartbeatIntervalMs(30_000, 0), 1000);
  });

  test("extension covers two heartbeats", () => {
    assert.deepEqual(nextExtension(30_000, 10, 0), { visibilitySec: 60, capped: false });
  });

  test("extension is never shorter than the queue's timeout", () => {
    assert.deepEqual(nextExtension(5000, 300, 0), { visibilitySec: 300, capped: false });
  });

  test("extension stops at the 12-hour limit", () => {
    const receivedAgoMs = (MAX_VISIBILITY_SEC - 20) * 1000;
    assert.deepEqual(nextExtension(30_000, 30, receivedAgoMs), { visibilitySec: 20, capped: true });
  });

  test("extension past the limit is zero", () => {
    assert.deepEqual(nextExtension(30_000, 30, MAX_VISIBILITY_SEC * 1000 + 5000), { visibilitySec: 0, capped: true });
  });
});

describe("backoffDelayMs", () => {
  test("grows and stays within the cap", () => {
    assert.equal(backoffDelayMs(1, 500, 30_000, () => 1), 500);
    assert.equal(backoffDelayMs(3, 500, 30_000, () => 1), 2000);
    assert.equal(backoffDelayMs(50, 500, 30_000, () => 1), MAX_BACKOFF_MS);
  });

  test("jitter keeps at least half the delay", () => {
    assert.equal(backoffDelayMs(3, 500, 30_000, () => 0), 1000);
  });
});

describe("source selection", () => {
  const select = (environment: Record<string, string>, flags: Record<string, string | boolean> = {}) => readSettings(flags, ["true"], environment).source;
  const queue = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs";
  const activity = "arn:aws:states:us-east-1:123456789012:activity:work";

  test("TASK_TOKEN wins over every other variable", () => {
    const source = select({ TASK_TOKEN: "tok", TASK_PAYLOAD: "{}", TASK_QUEUE_URL: queue, TASK_ACTIVITY_ARN: activity });
    assert.equal(source.kind, "taskToken");
  });

  test("TASK_PAYLOAD wins over the queue and activity", () => {
    assert.equal(select({ TASK_PAYLOAD: "{}", TASK_QUEUE_URL: queue, TASK_ACTIVITY_ARN: activity }).kind, "payload");
  });

  test("queue wins over activity", () => {
    assert.equal(select({ TASK_QUEUE_URL: queue, TASK_ACTIVITY_ARN: activity }).kind, "queue");
  });

  test("a source flag wins over the variables", () => {
    assert.equal(select({ TASK_TOKEN: "tok", TASK_PAYLOAD: "{}" }, { activityArn: activity }).kind, "activity");
  });

  test("task token takes its input from TASK_PAYLOAD", () => {
    const source = select({ TASK_TOKEN: "tok", TASK_PAYLOAD: '{"a":1}' });
    assert.deepEqual(source.kind === "taskToken" ? source.input : undefined, { kind: "payload", origin: "TASK_PAYLOAD", payload: '{"a":1}' });
  });

  test("region comes from the queue URL when AWS_REGION is unset", () => {
    const source = select({ TASK_QUEUE_URL: "https://sqs.eu-west-3.amazonaws.com/123456789012/jobs" });
    assert.equal(source.kind === "queue" ? source.region : undefined, "eu-west-3");
  });

  test("AWS_REGION wins over the queue URL", () => {
    const source = select({ AWS_REGION: "ap-south-1", TASK_QUEUE_URL: "https://sqs.eu-west-3.amazonaws.com/123456789012/jobs" });
    assert.equal(source.kind === "queue" ? source.region : undefined, "ap-south-1");
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ["queue URL that is not a URL", { TASK_QUEUE_URL: "jobs" }, /invalid TASK_QUEUE_URL "jobs": not an SQS queue URL/],
    ["activity ARN of another kind", { TASK_ACTIVITY_ARN: "arn:aws:sqs:us-east-1:123456789012:jobs" }, /invalid TASK_ACTIVITY_ARN/],
    ["zero concurrency", { TASK_PAYLOAD: "{}", TASK_CONCURRENCY: "0" }, /invalid TASK_CONCURRENCY "0"/],
    ["fractional max tasks", { TASK_PAYLOAD: "{}", TASK_MAX_TASKS: "1.5" }, /invalid TASK_MAX_TASKS "1.5"/],
    ["zero heartbeat", { TASK_PAYLOAD: "{}", TASK_HEARTBEAT: "0s" }, /invalid TASK_HEARTBEAT "0s": must be longer than 0/],
    ["retry delay over 12 hours", { TASK_PAYLOAD: "{}", TASK_RETRY_DELAY: "13h" }, /invalid TASK_RETRY_DELAY "13h": SQS allows at most 12h/],
    ["too long a duration", { TASK_PAYLOAD: "{}", TASK_TIMEOUT: "9999999h" }, /invalid TASK_TIMEOUT "9999999h": too long/],
  ];
  for (const [name, environment, message] of invalid) {
    test(`${name} is a config error`, () => {
      assert.throws(() => readSettings({}, ["true"], environment), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }
});
