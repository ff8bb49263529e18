import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { PassThrough } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { after, describe, test } from "node:test";
import type Docker from "dockerode";
import { dockerUnavailable, tasqueContainers, TEST_DOCKER_SOCKET, TEST_IMAGE, testDocker } from "./helpers/docker.ts";

/*
 * Tests of the image tasque/tasque:dev, which `npm run build:image` imports
 * into the test Docker Engine. They cover Tasque under tini as a non-root
 * user, how `docker stop` reaches a job, the reaping of orphaned processes,
 * and tasks run as sibling containers through the mounted Docker socket.
 * Every container runs with no network.
 */

const IMAGE = "tasque/tasque:dev";
/** Seconds `docker stop` waits before it sends SIGKILL, Docker's default. */
const DOCKER_STOP_TIMEOUT_SEC = 10;

/**
 * Credentials and an endpoint for any AWS SDK client in a container. The runs
 * here use single payloads, which never load the SDK. A container without
 * network has no emulator to reach, so the endpoint is its own loopback.
 */
const AWS_TEST_ENV = [
  "AWS_ACCESS_KEY_ID=test",
  "AWS_SECRET_ACCESS_KEY=test",
  "AWS_REGION=us-east-1",
  "AWS_EC2_METADATA_DISABLED=true",
  "AWS_ENDPOINT_URL=http://127.0.0.1:9",
];

async function imageUnavailable(): Promise<string | undefined> {
  const engine = await dockerUnavailable();
  if (engine) return engine;
  try {
    await testDocker().getImage(IMAGE).inspect();
    return undefined;
  } catch {
    const reason = `no image ${IMAGE} in the test Docker Engine`;
    if (process.env.TASQUE_REQUIRE_DOCKER === "1") throw new Error(`${reason}; build it with npm run build:image`);
    return `${reason} (build it with npm run build:image)`;
  }
}

const skip = await imageUnavailable();
const created = new Set<Docker.Container>();
let containerCount = 0;

after(async () => {
  await Promise.all([...created].map((container) => container.remove({ force: true }).catch(() => undefined)));
});

interface ContainerOptions {
  readonly cmd: string[];
  readonly env?: string[];
  readonly entrypoint?: string[];
  readonly hostConfig?: Docker.HostConfig;
}

/** Creates and starts a container of the image with no network and JSON logs. The suite removes it at the end. */
async function startContainer(options: ContainerOptions): Promise<Docker.Container> {
  const container = await testDocker().createContainer({
    name: `tq-image-test-${process.pid}-${++containerCount}`,
    Image: IMAGE,
    Cmd: options.cmd,
    Env: [...AWS_TEST_ENV, "LOG_FORMAT=json", ...(options.env ?? [])],
    ...(options.entrypoint ? { Entrypoint: options.entrypoint } : {}),
    HostConfig: { NetworkMode: "none", ...options.hostConfig },
  });
  created.add(container);
  await container.start();
  return container;
}

/** Splits the engine's multiplexed log format: frames of an 8-byte header (stream type, 3 zero bytes, length) and the payload. */
function demultiplex(buffer: Buffer): { stdout: string; stderr: string } {
  const streams = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  for (let offset = 0; offset + 8 <= buffer.length; ) {
    const length = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + length);
    (buffer[offset] === 2 ? streams.stderr : streams.stdout).push(frame);
    offset += 8 + length;
  }
  return { stdout: Buffer.concat(streams.stdout).toString("utf8"), stderr: Buffer.concat(streams.stderr).toString("utf8") };
}

async function readLogs(container: Docker.Container): Promise<{ stdout: string; stderr: string }> {
  return demultiplex(await container.logs({ stdout: true, stderr: true, follow: false }));
}

/** Returns Tasque's JSON log lines from a container's stderr. */
async function logLines(container: Docker.Container): Promise<Array<Record<string, unknown>>> {
  const { stderr } = await readLogs(container);
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Waits until a log line of the job's output (`stream` stdout or stderr) equals `text`. */
async function waitForJobOutput(container: Docker.Container, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await logLines(container)).some((line) => line.stream !== undefined && line.msg === text)) return;
    await delay(100);
  }
  throw new Error(`the job did not print ${JSON.stringify(text)} within ${timeoutMs} ms:\n${(await readLogs(container)).stderr}`);
}

async function waitForExit(container: Docker.Container, timeoutMs = 30_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the container did not exit within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const { StatusCode } = (await Promise.race([container.wait(), timeout])) as { StatusCode: number };
    return StatusCode;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command in a running container and returns its stdout. */
async function execute(container: Docker.Container, command: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  stderr.resume();
  testDocker().modem.demuxStream(stream, stdout, stderr);
  await new Promise((resolve, reject) => stream.on("end", resolve).on("error", reject));
  return Buffer.concat(chunks).toString("utf8");
}

interface ProcessEntry {
  readonly pid: number;
  readonly command: string;
  readonly state: string;
  readonly parentPid: number;
}

/** Reads the container's process table from /proc/PID/stat: pid, (command), state, parent pid. */
async function processTable(container: Docker.Container): Promise<ProcessEntry[]> {
  const output = await execute(container, ["sh", "-c", "cat /proc/[0-9]*/stat"]);
  return output
    .trim()
    .split("\n")
    .map((line) => {
      // The command is in parentheses and may contain spaces, so the fields after it are split from its closing parenthesis.
      const close = line.lastIndexOf(")");
      const [state, parentPid] = line.slice(close + 2).split(" ");
      return { pid: Number.parseInt(line, 10), command: line.slice(line.indexOf("(") + 1, close), state: state!, parentPid: Number(parentPid) };
    });
}

/**
 * A job that leaves a zombie unless PID 1 reaps it: an inner shell starts
 * `sleep 0.2` in the background and execs `sleep 0.5`, which never waits
 * for children. The background sleep exits first and stays a zombie under
 * `sleep 0.5`. When that exits, the zombie is handed to PID 1. The job then
 * prints a marker and keeps running, so the container's process table can
 * be read while the task is still running.
 */
const ORPHAN_JOB = ["sh", "-c", 'sh -c "sleep 0.2 & exec sleep 0.5"; echo orphan-handed-over; exec sleep 30'];

describe("tasque/tasque:dev image", { skip, concurrency: true }, () => {
  test("runs tasque under tini as a non-root user", async () => {
    const { Config } = await testDocker().getImage(IMAGE).inspect();
    assert.deepEqual(Config.Entrypoint, ["tini", "-s", "--", "tasque"]);
    assert.equal(Config.User, "tasque");

    const container = await startContainer({ cmd: ["--version"] });
    assert.equal(await waitForExit(container), 0);
    const { stdout, stderr } = await readLogs(container);
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
    assert.equal(stderr, "");
  });

  test("docker run --init prints no tini warning", async () => {
    // Under Docker's init, tini is not PID 1. Without -s it would warn that it cannot reap zombies.
    const container = await startContainer({ cmd: ["--version"], hostConfig: { Init: true } });
    assert.equal(await waitForExit(container), 0);
    const { stderr } = await readLogs(container);
    assert.equal(stderr, "");
  });

  test("docker stop reaches the job as SIGTERM", async () => {
    const job = ["sh", "-c", 'trap "echo got SIGTERM; exit 0" TERM; echo ready; while true; do sleep 0.1; done'];
    const container = await startContainer({ cmd: ["--payload", "{}", "--timeout", "0", "--", ...job] });
    await waitForJobOutput(container, "ready");

    const started = performance.now();
    await container.stop({ t: DOCKER_STOP_TIMEOUT_SEC });
    const stopMs = performance.now() - started;

    assert.ok(stopMs < DOCKER_STOP_TIMEOUT_SEC * 1000, `docker stop took ${stopMs.toFixed(0)} ms`);
    assert.equal((await container.inspect()).State.ExitCode, 0);
    const lines = await logLines(container);
    assert.ok(lines.some((line) => line.stream === "stdout" && line.msg === "got SIGTERM"), "the job did not log that it got SIGTERM");
    assert.ok(lines.some((line) => line.outcome === "success"), "Tasque did not report the task's success");
  });

  test("job ignoring SIGTERM is killed before Docker's kill", async () => {
    const job = ["sh", "-c", 'trap "" TERM; echo ready; sleep 60'];
    const container = await startContainer({ cmd: ["--payload", "{}", "--timeout", "0", "--", ...job] });
    await waitForJobOutput(container, "ready");

    const started = performance.now();
    await container.stop({ t: DOCKER_STOP_TIMEOUT_SEC });
    const stopMs = performance.now() - started;

    // The image's TASK_SHUTDOWN_GRACE of 8s ends before Docker's SIGKILL after 10 s.
    assert.ok(stopMs < DOCKER_STOP_TIMEOUT_SEC * 1000, `docker stop took ${stopMs.toFixed(0)} ms`);
    assert.equal((await container.inspect()).State.ExitCode, 137);
    const lines = await logLines(container);
    assert.ok(lines.some((line) => line.outcome === "failure" && line.key === "SHUTDOWN"), "Tasque did not report the SHUTDOWN failure");
    assert.ok(lines.some((line) => line.msg === "worker stopped"), "Tasque did not finish its shutdown");
  });

  test("tini reaps a job's orphaned zombie", async () => {
    const container = await startContainer({ cmd: ["--payload", "{}", "--timeout", "0", "--", ...ORPHAN_JOB] });
    await waitForJobOutput(container, "orphan-handed-over");

    let table = await processTable(container);
    for (let attempt = 0; table.some((entry) => entry.state === "Z") && attempt < 20; attempt++) {
      await delay(100);
      table = await processTable(container);
    }
    assert.deepEqual(table.filter((entry) => entry.state === "Z"), []);
    assert.equal(table.find((entry) => entry.pid === 1)?.command, "tini");
  });

  test("without tini the orphaned zombie stays", async () => {
    // The control for the test above: it shows that ORPHAN_JOB leaves a zombie when Tasque is PID 1.
    const container = await startContainer({ entrypoint: ["tasque"], cmd: ["--payload", "{}", "--timeout", "0", "--", ...ORPHAN_JOB] });
    await waitForJobOutput(container, "orphan-handed-over");
    await delay(1000);

    const zombies = (await processTable(container)).filter((entry) => entry.state === "Z");
    assert.deepEqual(
      zombies.map((entry) => [entry.command, entry.parentPid]),
      [["sleep", 1]],
    );
  });

  test("runs each task as a sibling container through the socket", async () => {
    const base = `tq-image-sibling-${process.pid}`;
    const job = ["sh", "-c", 'read -r payload < "$TASK_PAYLOAD_FILE"; echo "$payload" | sed s/name/greeting/ > "$TASK_RESULT_FILE"'];
    const container = await startContainer({
      cmd: ["--payload", '{"name":"Ada"}', "--", ...job],
      env: [
        "DOCKER=true",
        "DEPLOY_METHOD=DOCKER",
        `DOCKER_CONTAINER_NAME=${base}`,
        "DOCKER_PULL=never",
        `DOCKER_TASK_DEFINITION=${JSON.stringify({ ImageName: TEST_IMAGE, NetworkMode: "none" })}`,
        "RETURN_RESULT=true",
      ],
      // The image's user is not root, so it gets the socket's group, as the README's Install section documents.
      hostConfig: { Binds: [`${TEST_DOCKER_SOCKET}:/var/run/docker.sock`], GroupAdd: [String(statSync(TEST_DOCKER_SOCKET).gid)] },
    });

    const exitCode = await waitForExit(container);
    const { stdout, stderr } = await readLogs(container);

    assert.equal(exitCode, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { greeting: "Ada" });
    const lines = await logLines(container);
    assert.ok(lines.some((line) => line.msg === "task started" && line.executor === "docker"), stderr);
    assert.ok(lines.some((line) => line.outcome === "success"), stderr);
    assert.deepEqual(await tasqueContainers(base), []);
  });
});
