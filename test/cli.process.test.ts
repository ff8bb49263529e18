import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { after, describe, test } from "node:test";
import { FIXTURES, isProcessAlive, runCli } from "./helpers/cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "tasque-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const BACKGROUND = join(FIXTURES, "background.sh");
const GRACEFUL = join(FIXTURES, "graceful.sh");

/** Waits until a process is gone, treating zombies as gone, for at most `limitMs`. */
async function waitUntilGone(pid: number, limitMs = 5000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await delay(50);
  }
  return !isProcessAlive(pid);
}

function readPid(path: string): number {
  return Number(readFileSync(path, "utf8").trim());
}

describe("job output", () => {
  test("each line is logged with the task id and stream", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", "echo out-line; echo err-line >&2"]);

    assert.equal(result.code, 0);
    assert.match(result.stderr, /\[local\] stdout\| out-line/);
    assert.match(result.stderr, /\[local\] stderr\| err-line/);
  });

  test("last line without a newline is still logged", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", "printf 'no newline at end'"]);
    assert.match(result.stderr, /stdout\| no newline at end/);
  });

  test("stdout stays empty without RETURN_RESULT", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", "echo to-stdout"]);
    assert.equal(result.stdout, "");
  });

  test("JSON log lines carry the task id and stream", async () => {
    const result = await runCli(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", "echo hello"]);
    const lines = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const jobLine = lines.find((line) => line.msg === "hello");

    assert.equal(jobLine?.task, "local");
    assert.equal(jobLine?.stream, "stdout");
    assert.equal(typeof jobLine?.time, "string");
  });

  test("payload is logged at debug level only", async () => {
    const secret = "customer-secret-4711";
    const atInfo = await runCli(["--payload", secret, "true"]);
    const atDebug = await runCli(["--log-level", "debug", "--payload", secret, "true"]);

    assert.doesNotMatch(atInfo.stderr, new RegExp(secret));
    assert.match(atInfo.stderr, /payloadBytes/);
    assert.match(atDebug.stderr, new RegExp(secret));
  });

  test("background process holding stdout neither delays exit nor survives", async () => {
    const pidFile = join(scratch, "leftover.pid");

    const result = await runCli(["--payload", "{}", "--", "sh", BACKGROUND, pidFile, "exit"]);

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.elapsedMs < 10_000, `took ${result.elapsedMs} ms`);
    assert.match(result.stderr, /stdout\| job leader exits/);
    assert.equal(await waitUntilGone(readPid(pidFile)), true, "background process must be killed");
  });
});

describe("exit codes and failure keys", () => {
  const cases: Array<{ name: string; command: string[]; code: number; key: string }> = [
    { name: "exit code passes through", command: ["sh", "-c", "exit 3"], code: 3, key: "3" },
    { name: "killed by SIGKILL is 137", command: ["sh", "-c", "kill -9 $$"], code: 137, key: "137" },
    { name: "killed by SIGTERM is 143", command: ["sh", "-c", "kill -15 $$"], code: 143, key: "143" },
    { name: "command not found is 127", command: ["tasque-test-no-such-command"], code: 127, key: "127" },
  ];
  for (const { name, command, code, key } of cases) {
    test(name, async () => {
      const result = await runCli(["--log-format", "json", "--payload", "{}", "--", ...command]);
      const end = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.outcome === "failure");

      assert.equal(result.code, code, result.stderr);
      assert.equal(end?.key, key);
    });
  }

  test("file without execute permission is 126", async () => {
    const path = join(scratch, "not-executable.sh");
    writeFileSync(path, "#!/bin/sh\nexit 0\n");
    chmodSync(path, 0o644);

    const result = await runCli(["--payload", "{}", path]);

    assert.equal(result.code, 126, result.stderr);
    assert.match(result.stderr, /cannot be executed/);
  });

  test("signal death is named in the log", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", "kill -9 $$"]);
    assert.match(result.stderr, /killed by SIGKILL/);
  });

  test("EXIT_ translation appears in the failure log", async () => {
    const result = await runCli(["--log-format", "json", "--payload", "{}", "--", "sh", "-c", "exit 3"], { env: { EXIT_3: "BadInput" } });
    const end = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.outcome === "failure");
    assert.equal(end?.error, "BadInput");
  });
});

describe("timeout", () => {
  test("timeout kills the job and exits 124", async () => {
    const result = await runCli(["--timeout", "300ms", "--payload", "{}", "--", "sleep", "30"]);

    assert.equal(result.code, 124, result.stderr);
    assert.match(result.stderr, /timed out after 300ms/);
    assert.ok(result.elapsedMs < 10_000, `took ${result.elapsedMs} ms`);
  });

  test("timeout while a background process holds stdout kills the whole group", async () => {
    const pidFile = join(scratch, "timeout-background.pid");

    const result = await runCli(["--timeout", "500ms", "--kill-grace", "1s", "--payload", "{}", "--", "sh", BACKGROUND, pidFile, "wait"]);

    assert.equal(result.code, 124, result.stderr);
    assert.ok(result.elapsedMs < 10_000, `took ${result.elapsedMs} ms`);
    assert.equal(await waitUntilGone(readPid(pidFile)), true, "background process must be killed");
  });

  test("job that ignores SIGTERM is killed after the kill grace", async () => {
    const result = await runCli(["--timeout", "300ms", "--kill-grace", "500ms", "--payload", "{}", GRACEFUL, "ignore"]);

    assert.equal(result.code, 124, result.stderr);
    assert.match(result.stderr, /did not exit within the grace period/);
  });

  test("TASK_TIMEOUT=0 disables the timeout", async () => {
    const result = await runCli(["--payload", "{}", "--", "sleep", "0.3"], { env: { TASK_TIMEOUT: "0" } });
    assert.equal(result.code, 0, result.stderr);
  });
});

describe("signals", () => {
  const ready = (signal: NodeJS.Signals) => ({ text: "stderr| ready", action: (pid: number) => process.kill(pid, signal) });

  test("SIGTERM is forwarded and a job exiting 0 succeeds", async () => {
    const result = await runCli(["--payload", "{}", GRACEFUL, "0"], { onStderr: ready("SIGTERM") });

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /received signal/);
  });

  test("SIGINT is forwarded and the job's exit code is Tasque's", async () => {
    const result = await runCli(["--payload", "{}", GRACEFUL, "5"], { onStderr: ready("SIGINT") });

    assert.equal(result.code, 5, result.stderr);
    assert.match(result.stderr, /received signal/);
  });

  test("job ignoring the signal is killed after the shutdown grace", async () => {
    const result = await runCli(["--shutdown-grace", "500ms", "--payload", "{}", GRACEFUL, "ignore"], { onStderr: ready("SIGTERM") });

    assert.equal(result.code, 137, result.stderr);
  });

  test("second signal kills the job at once", async () => {
    const result = await runCli(["--shutdown-grace", "60s", "--payload", "{}", GRACEFUL, "ignore"], {
      onStderr: {
        text: "stderr| ready",
        action: (pid) => {
          process.kill(pid, "SIGTERM");
          setTimeout(() => process.kill(pid, "SIGTERM"), 300);
        },
      },
    });

    assert.equal(result.code, 137, result.stderr);
    assert.ok(result.elapsedMs < 20_000, `took ${result.elapsedMs} ms`);
  });
});
