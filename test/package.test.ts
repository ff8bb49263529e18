import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

test("packed tarball installs and runs without dev dependencies", (context) => {
  const folder = mkdtempSync(join(tmpdir(), "tasque-pack-"));
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", folder], { cwd: ROOT, stdio: "pipe" });
  const tarball = readdirSync(folder).find((name) => name.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote no tarball");

  const project = join(folder, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "tasque-install-check", private: true }));
  execFileSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", join(folder, tarball)], { cwd: project, stdio: "pipe" });

  const version = execFileSync(join(project, "node_modules", ".bin", "tasque"), ["--version"], { encoding: "utf8" });
  const expected = (JSON.parse(execFileSync("npm", ["pkg", "get", "version"], { cwd: ROOT, encoding: "utf8" })) as string);
  assert.equal(version.trim(), expected);

  const hello = execFileSync(join(project, "node_modules", ".bin", "tasque"), ["node", join(project, "node_modules", "tasque", "examples", "hello.js")], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, TASK_PAYLOAD: '{"name":"Ada"}', RETURN_RESULT: "true" },
  });
  assert.deepEqual(JSON.parse(hello), { greeting: "Hello, Ada!" });
});
