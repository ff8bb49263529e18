import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FIXTURES, NODE, runCli } from "./helpers/cli.ts";

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const DIGEST = join(FIXTURES, "digest.js");
const scratch = mkdtempSync(join(tmpdir(), "tasque-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the digest fixture with RETURN_RESULT and returns its report of how the payload arrived. */
async function deliver(args: string[], env: Record<string, string> = {}, input?: string | Buffer) {
  const result = await runCli([...args, NODE, DIGEST], { env: { RETURN_RESULT: "true", ...env }, ...(input !== undefined ? { input } : {}) });
  assert.equal(result.code, 0, result.stderr);
  return { ...result, report: JSON.parse(result.stdout) as Record<string, string | number | null> };
}

describe("payload delivery", () => {
  test("1 MiB payload arrives intact on stdin and in the file", async () => {
    const payload = JSON.stringify({ data: "x".repeat(1024 * 1024) });
    const path = join(scratch, "big.json");
    writeFileSync(path, payload);

    const { report, stderr } = await deliver(["--payload-file", path]);

    assert.equal(report.stdinSha, sha256(payload));
    assert.equal(report.fileSha, sha256(payload));
    assert.equal(report.variableSha, null, "TASK_PAYLOAD must be left out above the kernel limit");
    assert.match(stderr, /TASK_PAYLOAD left out/);
    assert.doesNotMatch(stderr, /E2BIG|Argument list too long/);
  });

  test("payload file is private and removed after the task", async () => {
    const { report } = await deliver(["--payload", "{}"]);

    assert.equal(report.fileMode, "600");
    assert.equal(existsSync(String(report.payloadFile)), false);
    assert.equal(existsSync(String(report.resultFile)), false);
  });

  test("UTF-8 payload with multi-byte characters arrives byte for byte", async () => {
    const payload = JSON.stringify({ text: "Grüße, 世界, 🚀 ".repeat(5000) });

    const { report } = await deliver([], { TASK_PAYLOAD: payload });

    assert.equal(report.stdinSha, sha256(payload));
    assert.equal(report.fileSha, sha256(payload));
    assert.equal(report.variableSha, sha256(payload));
  });

  test("TASK_PAYLOAD at and over the kernel limit", async () => {
    const fits = "a".repeat(131072 - "TASK_PAYLOAD=".length - 1);
    const tooLong = `${fits}a`;

    const atLimit = await deliver(["--payload", fits]);
    const overLimit = await deliver(["--payload", tooLong]);

    assert.equal(atLimit.report.variableSha, sha256(fits));
    assert.equal(overLimit.report.variableSha, null);
    assert.equal(overLimit.report.stdinSha, sha256(tooLong));
  });

  test("limit counts bytes of multi-byte payloads", async () => {
    const payload = "é".repeat(70000);
    const path = join(scratch, "accents.txt");
    writeFileSync(path, payload);

    const { report } = await deliver(["--payload-file", path]);

    assert.equal(report.variableSha, null);
    assert.equal(report.stdinSha, sha256(payload));
  });

  test("TASK_ID is local for a payload run", async () => {
    const { report } = await deliver(["--payload", "{}"]);
    assert.equal(report.taskId, "local");
  });

  test("--payload-file - reads the payload from stdin", async () => {
    const payload = '{"from":"stdin"}';
    const { report } = await deliver(["--payload-file", "-"], {}, payload);
    assert.equal(report.stdinSha, sha256(payload));
  });

  test("job that ignores stdin does not stall or crash Tasque", async () => {
    const payload = "y".repeat(4 * 1024 * 1024);
    const path = join(scratch, "ignored.txt");
    writeFileSync(path, payload);

    const result = await runCli(["--payload-file", path, "true"]);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /task succeeded/);
  });

  test("job that exits early while reading stdin is judged by its exit code", async () => {
    const path = join(scratch, "early-exit.txt");
    writeFileSync(path, "z".repeat(2 * 1024 * 1024));

    const result = await runCli(["--payload-file", path, "--", "sh", "-c", "head -c 10 >/dev/null; exit 4"]);

    assert.equal(result.code, 4, result.stderr);
  });

  test("payload with a NUL character is left out of the environment only", async () => {
    const payload = "before\u0000after";
    const path = join(scratch, "nul.txt");
    writeFileSync(path, payload);

    const { report, stderr } = await deliver(["--payload-file", path]);

    assert.equal(report.variableSha, null);
    assert.equal(report.stdinSha, sha256(payload));
    assert.match(stderr, /NUL character/);
  });

  test("stale per-task variables of Tasque's environment do not reach the job", async () => {
    const result = await runCli(["--payload", "fresh", "--", "sh", "-c", 'echo "attr=${TASK_ATTRIBUTE_OLD:-unset} payload=$TASK_PAYLOAD" >&2'], {
      env: { TASK_ATTRIBUTE_OLD: "stale", TASK_PAYLOAD: "stale" },
    });

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /attr=unset payload=fresh/);
  });

  test("rest of Tasque's environment reaches the job", async () => {
    const result = await runCli(["--payload", "{}", "--", "sh", "-c", 'echo "custom=$CUSTOM_SETTING" >&2'], {
      env: { CUSTOM_SETTING: "kept" },
    });
    assert.match(result.stderr, /custom=kept/);
  });
});
