import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StopRequest } from "../src/executors/stop.ts";
import { FailureDescriber, DEFAULT_ERROR_TEMPLATE, TEMPLATE_FIELDS } from "../src/outcome/failureReport.ts";
import { decideOutcome, exitCodeOf, type RunReport } from "../src/outcome/outcome.ts";
import { validateResult } from "../src/outcome/result.ts";
import { compileTemplate } from "../src/outcome/template.ts";

const report = (fields: Partial<RunReport>): RunReport => ({ exitCode: 0, signal: null, stderrTail: "", durationMs: 5, ...fields });
const noResult = { returnResult: false };
const withResult = { returnResult: true };
const timeout: StopRequest = { reason: "timeout", signal: "SIGTERM", graceMs: 1000, detail: "timed out after 1s" };
const shutdown: StopRequest = { reason: "shutdown", signal: "SIGTERM", graceMs: 1000 };

describe("decideOutcome", () => {
  test("exit 0 is success", () => {
    const outcome = decideOutcome(report({}), undefined, noResult);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.failureKey, undefined);
  });

  test("non-zero exit code is the key", () => {
    assert.equal(decideOutcome(report({ exitCode: 3 }), undefined, noResult).failureKey, "3");
  });

  test("signal N is key 128+N", () => {
    assert.equal(decideOutcome(report({ exitCode: null, signal: "SIGKILL" }), undefined, noResult).failureKey, "137");
    assert.equal(decideOutcome(report({ exitCode: null, signal: "SIGSEGV" }), undefined, noResult).failureKey, "139");
  });

  test("timeout wins over the exit the kill caused", () => {
    const outcome = decideOutcome(report({ exitCode: null, signal: "SIGTERM" }), timeout, noResult);
    assert.equal(outcome.failureKey, "TIMEOUT");
    assert.equal(outcome.detail, "timed out after 1s");
  });

  test("job that exits 0 during shutdown succeeds", () => {
    assert.equal(decideOutcome(report({}), shutdown, noResult).ok, true);
  });

  test("job that fails during shutdown is SHUTDOWN", () => {
    assert.equal(decideOutcome(report({ exitCode: 143 }), shutdown, noResult).failureKey, "SHUTDOWN");
  });

  test("executor's own key is kept", () => {
    const outcome = decideOutcome(report({ exitCode: null, failureKey: "127", detail: "command not found: x" }), undefined, noResult);
    assert.equal(outcome.failureKey, "127");
    assert.equal(outcome.detail, "command not found: x");
  });

  test("valid stdout result is kept", () => {
    const outcome = decideOutcome(report({ stdout: ' {"a": 1}\n' }), undefined, withResult);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.result, '{"a": 1}');
  });

  test("invalid result is RESULT", () => {
    const outcome = decideOutcome(report({ stdout: "{" }), undefined, withResult);
    assert.equal(outcome.failureKey, "RESULT");
  });

  test("result over the source's limit is RESULT without quoting it", () => {
    const big = JSON.stringify({ data: "q".repeat(300_000) });
    const outcome = decideOutcome(report({ stdout: big }), undefined, { returnResult: true, maxResultBytes: 262144 });

    assert.equal(outcome.failureKey, "RESULT");
    assert.match(outcome.detail ?? "", /over the limit of 262144 bytes/);
    assert.doesNotMatch(outcome.detail ?? "", /qqqq/);
  });
});

describe("validateResult", () => {
  test("result file wins over stdout", () => {
    assert.deepEqual(validateResult({ resultFile: "[1]", stdout: "not json" }), { ok: true, json: "[1]" });
  });

  test("byte order mark is ignored", () => {
    assert.deepEqual(validateResult({ resultFile: "\ufeff{}" }), { ok: true, json: "{}" });
  });

  test("two JSON values are invalid", () => {
    assert.equal(validateResult({ stdout: "{}\n{}" }).ok, false);
  });

  test("a result exactly at the limit passes", () => {
    const text = `"${"x".repeat(98)}"`;
    assert.equal(validateResult({ stdout: text }, 100).ok, true);
    assert.equal(validateResult({ stdout: `"${"x".repeat(99)}"` }, 100).ok, false);
  });

  test("limit counts UTF-8 bytes", () => {
    assert.equal(validateResult({ stdout: '"éé"' }, 5).ok, false);
  });
});

describe("exitCodeOf", () => {
  const outcomeOf = (fields: Partial<RunReport>, stop?: StopRequest) => decideOutcome(report(fields), stop, noResult);

  test("exit code passes through", () => assert.equal(exitCodeOf(outcomeOf({ exitCode: 3 })), 3));
  test("signal death is 128+N", () => assert.equal(exitCodeOf(outcomeOf({ exitCode: null, signal: "SIGKILL" })), 137));
  test("timeout is 124", () => assert.equal(exitCodeOf(outcomeOf({ exitCode: null, signal: "SIGTERM" }, timeout)), 124));
  test("RESULT is 1", () => assert.equal(exitCodeOf(decideOutcome(report({ stdout: "x" }), undefined, withResult)), 1));
  test("command not found is 127", () => assert.equal(exitCodeOf(outcomeOf({ exitCode: null, failureKey: "127" })), 127));
  test("non-numeric executor key is 1", () => assert.equal(exitCodeOf(outcomeOf({ exitCode: null, failureKey: "MEMORY" })), 1));
  test("shutdown keeps the job's code", () => assert.equal(exitCodeOf(outcomeOf({ exitCode: 5 }, shutdown)), 5));
});

describe("FailureDescriber", () => {
  const failed = decideOutcome(report({ exitCode: 3, stderrTail: "bad <input> & \"quotes\"" }), undefined, noResult);

  test("default template matches the Go tool's", () => {
    const describer = new FailureDescriber(new Map(), compileTemplate(DEFAULT_ERROR_TEMPLATE, TEMPLATE_FIELDS), "worker-1");
    assert.deepEqual(describer.describe(failed, "task-1"), { error: "3", cause: "Host: worker-1 Exit: 3 Error: exited with code 3" });
  });

  test("EXIT_ translation names the error", () => {
    const describer = new FailureDescriber(new Map([["3", "BadInput"]]), compileTemplate(DEFAULT_ERROR_TEMPLATE, TEMPLATE_FIELDS), "h");
    assert.equal(describer.describe(failed, "t").error, "BadInput");
  });

  test("every field renders, without HTML escaping", () => {
    const template = compileTemplate("{{.Host}}|{{.Exit}}|{{.Error}}|{{.Output}}|{{.TaskId}}", TEMPLATE_FIELDS);
    const describer = new FailureDescriber(new Map(), template, "host-a");
    assert.equal(describer.describe(failed, "id-9").cause, 'host-a|3|exited with code 3|bad <input> & "quotes"|id-9');
  });

  test("trim markers work in the cause", () => {
    const template = compileTemplate("exit=[ {{- .Exit -}} ]", TEMPLATE_FIELDS);
    const describer = new FailureDescriber(new Map(), template, "h");
    assert.equal(describer.describe(failed, "t").cause, "exit=[3]");
  });
});
