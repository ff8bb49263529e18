import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { CLI_PATH, NODE, runCli } from "./helpers/cli.ts";

const packageVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Asserts a start-up error: exit code 2, one message on stderr, no stack trace, and nothing run. */
function assertConfigError(result: { code: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  assert.doesNotMatch(result.stderr, /task started/);
}

describe("invalid settings", () => {
  const cases: Array<{ name: string; env?: Record<string, string>; args?: string[]; message: RegExp }> = [
    { name: "duration without unit", env: { TASK_TIMEOUT: "30" }, message: /invalid TASK_TIMEOUT "30": not a Go duration; .*1h30m/ },
    { name: "duration with unknown unit", env: { TASK_TIMEOUT: "1d" }, message: /invalid TASK_TIMEOUT "1d"/ },
    { name: "negative duration", env: { TASK_KILL_GRACE: "-5s" }, message: /invalid TASK_KILL_GRACE "-5s": a duration cannot be negative/ },
    { name: "invalid duration flag", args: ["--shutdown-grace", "soon"], message: /invalid --shutdown-grace "soon"/ },
    { name: "invalid boolean", env: { RETURN_RESULT: "yes please" }, message: /invalid RETURN_RESULT "yes please": not a boolean; use true or false/ },
    { name: "invalid log format", env: { LOG_FORMAT: "xml" }, message: /invalid LOG_FORMAT "xml".*text, json/ },
    { name: "unknown template field", env: { ERROR_MESSAGE_TEMPLATE: "{{.Nope}}" }, message: /invalid ERROR_MESSAGE_TEMPLATE "\{\{\.Nope\}\}".*Nope/ },
    { name: "malformed template", env: { ERROR_MESSAGE_TEMPLATE: "{{.Host" }, message: /invalid ERROR_MESSAGE_TEMPLATE/ },
    { name: "malformed --exit", args: ["--exit", "3"], message: /invalid --exit "3": expected key=error/ },
    { name: "unknown flag", args: ["--no-such-flag"], message: /unknown option '--no-such-flag'/ },
    { name: "two source flags", args: ["--payload", "{}", "--payload-file", "x.json"], message: /--payload and --payload-file each name a task source/ },
    { name: "missing payload file", args: ["--payload-file", "/nonexistent/tasque.json"], message: /invalid --payload-file "\/nonexistent\/tasque.json": file not found/ },
  ];
  for (const { name, env, args, message } of cases) {
    test(`${name} exits 2`, async () => {
      const result = await runCli([...(args ?? []), "true"], { env: { TASK_PAYLOAD: "{}", ...env } });
      assertConfigError(result, message);
    });
  }

  test("no source exits 2 naming every source variable", async () => {
    const result = await runCli(["true"]);

    assertConfigError(result, /no task source/);
    for (const variable of ["TASK_PAYLOAD", "TASK_QUEUE_URL", "TASK_ACTIVITY_ARN", "TASK_TOKEN"]) {
      assert.match(result.stderr, new RegExp(variable));
    }
  });

  test("empty TASK_PAYLOAD counts as unset", async () => {
    const result = await runCli(["true"], { env: { TASK_PAYLOAD: "" } });
    assertConfigError(result, /no task source/);
  });

  test("missing command exits 2", async () => {
    const result = await runCli([], { env: { TASK_PAYLOAD: "{}" } });
    assertConfigError(result, /missing COMMAND/);
  });
});

describe("command line", () => {
  test("--version prints the package version on stdout", async () => {
    const result = await runCli(["--version"]);

    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), packageVersion);
  });

  test("closed stdout is not an error", () => {
    const result = spawnSync("bash", ["-c", `set -o pipefail; "${NODE}" "${CLI_PATH}" --help | true`], { encoding: "utf8" });

    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE/);
  });

  test("--help lists each flag with its variable and default", async () => {
    const result = await runCli(["--help"]);
    const help = result.stdout.replace(/\s+/g, " ");

    assert.equal(result.code, 0);
    assert.match(help, /--timeout <duration>.*\(env: TASK_TIMEOUT, default: 30s\)/s);
    assert.match(help, /--kill-grace <duration>.*TASK_KILL_GRACE, default: 10s/s);
    assert.match(help, /--shutdown-grace <duration>.*TASK_SHUTDOWN_GRACE, default: 25s/s);
    assert.match(help, /--return-result .*RETURN_RESULT/s);
    assert.match(help, /--log-format <format>.*LOG_FORMAT/s);
    assert.match(help, /--docker-pull <policy>.*one of: always, missing, never/s);
    assert.equal(result.stderr, "");
  });

  test("arguments after the command belong to the job, even flags", async () => {
    const result = await runCli(["--payload", "{}", "sh", "-c", 'echo "args: $0 $1" >&2', "--timeout", "--version"]);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /args: --timeout --version/);
  });

  test("a flag wins over its variable", async () => {
    const result = await runCli(["--timeout", "200ms", "--payload", "{}", "sleep", "5"], { env: { TASK_TIMEOUT: "1h" } });
    assert.equal(result.code, 124, result.stderr);
  });

  test("a source flag wins over TASK_PAYLOAD", async () => {
    const result = await runCli(["--payload", "from-flag", "--", "sh", "-c", "cat >&2"], { env: { TASK_PAYLOAD: "from-variable" } });

    assert.match(result.stderr, /stderr\| from-flag/);
    assert.doesNotMatch(result.stderr, /from-variable/);
  });

  test("legacy EXIT5 spelling works with a warning", async () => {
    const result = await runCli(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", "exit 5"], { env: { EXIT5: "LegacyName" } });

    assert.equal(result.code, 5);
    assert.match(result.stderr, /EXIT5 is the old spelling.*EXIT_5/);
    assert.match(result.stderr, /"error":"LegacyName"/);
  });

  test("failure log shows the rendered template", async () => {
    const result = await runCli(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", "echo 'disk <full>' >&2; exit 3"], {
      env: { ERROR_MESSAGE_TEMPLATE: "{{.Exit}} on {{.TaskId}}: {{.Output}}" },
    });
    const end = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.outcome === "failure");

    assert.equal(end?.cause, "3 on local: disk <full>");
    assert.equal(end?.level, "warn");
  });

  test("--exit flag wins over EXIT_ variable", async () => {
    const result = await runCli(["--log-format", "json", "--exit", "3=FromFlag", "--payload", "{}", "--", "sh", "-c", "exit 3"], { env: { EXIT_3: "FromVariable" } });
    assert.match(result.stderr, /"error":"FromFlag"/);
  });
});

describe("boolean flags", () => {
  test("--return-result takes no value, so the command follows it", async () => {
    const result = await runCli(["--payload", "{}", "--return-result", "sh", "-c", "echo '[1]'"]);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), "[1]");
  });

  test("--no-return-result turns off RETURN_RESULT", async () => {
    const result = await runCli(["--no-return-result", "--payload", "{}", "--", "sh", "-c", "echo not-json"], { env: { RETURN_RESULT: "true" } });

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
  });
});

describe("RETURN_RESULT", () => {
  test("stdout JSON is validated and printed on stdout", async () => {
    const result = await runCli(["--return-result", "--payload", "{}", "--", "sh", "-c", 'echo noise >&2; echo \'{"answer": 42}\''], {});

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { answer: 42 });
  });

  test("result file wins over stdout", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", 'echo "not json"; echo \'{"from":"file"}\' > "$TASK_RESULT_FILE"'], {
      env: { RETURN_RESULT: "true" },
    });

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { from: "file" });
  });

  test("invalid JSON on stdout is a RESULT failure with exit code 1", async () => {
    const result = await runCli(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", "echo hello; echo world"], { env: { RETURN_RESULT: "true" } });

    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /"key":"RESULT"/);
    assert.match(result.stderr, /not valid JSON/);
  });

  test("empty stdout is a RESULT failure", async () => {
    const result = await runCli(["--payload", "{}", "true"], { env: { RETURN_RESULT: "true" } });

    assert.equal(result.code, 1);
    assert.match(result.stderr, /is empty/);
  });

  test("failed job prints no result", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", "echo '{}'; exit 2"], { env: { RETURN_RESULT: "true" } });

    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
  });
});
