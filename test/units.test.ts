import assert from "node:assert/strict";
import { describe, mock, test } from "node:test";
import { LineSplitter, LineTail, MAX_LINE_CHARS } from "../src/executors/lines.ts";
import { StopSignal, type StopRequest } from "../src/executors/stop.ts";
import { attributeVariableName, payloadVariableProblem, taskVariables } from "../src/executors/variables.ts";
import { formatDuration } from "../src/util/formatDuration.ts";
import { setLongTimeout } from "../src/util/timers.ts";

describe("setLongTimeout", () => {
  test("720h timer does not fire early", () => {
    mock.timers.enable({ apis: ["setTimeout", "Date"] });
    try {
      let fired = 0;
      setLongTimeout(() => fired++, 720 * 3_600_000);

      mock.timers.tick(2 ** 31);
      assert.equal(fired, 0, "must not fire at Node's timer limit");
      mock.timers.tick(720 * 3_600_000 - 2 ** 31 - 1);
      assert.equal(fired, 0, "must not fire a millisecond early");
      mock.timers.tick(1);
      assert.equal(fired, 1);
    } finally {
      mock.timers.reset();
    }
  });

  test("cancel stops a chained timer", () => {
    mock.timers.enable({ apis: ["setTimeout", "Date"] });
    try {
      let fired = 0;
      const timer = setLongTimeout(() => fired++, 2 ** 32);
      mock.timers.tick(2 ** 31);
      timer.cancel();
      mock.timers.tick(2 ** 32);
      assert.equal(fired, 0);
    } finally {
      mock.timers.reset();
    }
  });
});

describe("LineSplitter", () => {
  const split = (chunks: string[]): string[] => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of chunks) splitter.push(chunk);
    splitter.flush();
    return lines;
  };

  test("joins lines split across chunks", () => assert.deepEqual(split(["he", "llo\nwor", "ld\n"]), ["hello", "world"]));
  test("keeps the last line without newline", () => assert.deepEqual(split(["a\nb"]), ["a", "b"]));
  test("drops carriage returns of CRLF", () => assert.deepEqual(split(["a\r\nb\r\n"]), ["a", "b"]));
  test("keeps empty lines", () => assert.deepEqual(split(["a\n\nb\n"]), ["a", "", "b"]));

  test("cuts an endless line into bounded pieces", () => {
    const lines = split(["x".repeat(MAX_LINE_CHARS * 2 + 5)]);
    assert.deepEqual(lines.map((line) => line.length), [MAX_LINE_CHARS, MAX_LINE_CHARS, 5]);
  });

  test("never cuts a surrogate pair", () => {
    const text = "x".repeat(MAX_LINE_CHARS - 1) + "🚀" + "y";
    const lines = split([text]);
    assert.equal(lines.join(""), text);
    assert.ok(lines.every((line) => !/[\ud800-\udbff]$/.test(line)));
  });
});

describe("LineTail", () => {
  test("keeps the last lines", () => {
    const tail = new LineTail(2, 100);
    for (const line of ["one", "two", "three"]) tail.add(line);
    assert.equal(tail.toString(), "two\nthree");
  });

  test("stays within the character budget", () => {
    const tail = new LineTail(10, 10);
    tail.add("abcdef");
    tail.add("ghijkl");
    assert.equal(tail.toString(), "ghijkl");
  });
});

describe("StopSignal", () => {
  const term: StopRequest = { reason: "timeout", signal: "SIGTERM", graceMs: 1000 };

  test("first request decides the reason", () => {
    const stop = new StopSignal();
    stop.requestStop(term);
    stop.requestStop({ reason: "shutdown", signal: "SIGKILL", graceMs: 0 });
    assert.equal(stop.request?.reason, "timeout");
  });

  test("later request only shortens the grace", () => {
    const stop = new StopSignal();
    const seen: number[] = [];
    stop.onRequest((request) => seen.push(request.graceMs));
    stop.requestStop(term);
    stop.requestStop({ ...term, graceMs: 5000 });
    stop.requestStop({ ...term, graceMs: 0 });
    assert.deepEqual(seen, [1000, 0]);
  });

  test("listener added after a request hears it", () => {
    const stop = new StopSignal();
    stop.requestStop(term);
    let received: StopRequest | undefined;
    stop.onRequest((request) => (received = request));
    assert.equal(received?.reason, "timeout");
  });
});

describe("task variables", () => {
  test("attribute names become upper case with underscores", () => {
    assert.equal(attributeVariableName("trace-id.v2"), "TASK_ATTRIBUTE_TRACE_ID_V2");
  });

  test("payload variable limit counts bytes, the name and the NUL", () => {
    const limit = 131072 - "TASK_PAYLOAD=".length - 1;
    assert.equal(payloadVariableProblem("a".repeat(limit)), undefined);
    assert.match(payloadVariableProblem("a".repeat(limit + 1)) ?? "", /131073 bytes/);
  });

  test("receive count and attributes are passed on", () => {
    const variables = taskVariables({ id: "m-1", payload: "p", receiveCount: 2, attributes: { kind: "resize" } }, { resultFile: "/r" }, true);
    assert.deepEqual(variables, {
      TASK_ATTRIBUTE_KIND: "resize",
      TASK_ID: "m-1",
      TASK_RESULT_FILE: "/r",
      TASK_RECEIVE_COUNT: "2",
      TASK_PAYLOAD: "p",
    });
  });
});

describe("formatDuration", () => {
  const cases: Array<[number, string]> = [
    [0, "0s"],
    [250, "250ms"],
    [1500, "1.5s"],
    [90_000, "1m30s"],
    [5_400_000, "1h30m0s"],
  ];
  for (const [milliseconds, text] of cases) {
    test(`${milliseconds} ms is ${text}`, () => assert.equal(formatDuration(milliseconds), text));
  }
});
