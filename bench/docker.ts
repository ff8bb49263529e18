import { spawn } from "node:child_process";
import { dockerUnavailable, TEST_DOCKER_HOST, TEST_IMAGE, testDocker } from "../test/helpers/docker.ts";
import type { SqsEmulator } from "../test/helpers/emulators.ts";
import { TRUE_JOB } from "./jobs.ts";
import { startTasque } from "./processes.ts";
import { createQueue, deleteQueue, messagesLeft, sendMessages } from "./sqsQueue.ts";
import { timeWorkerRun, TASQUE_SQS_READY } from "./workers.ts";

export const DOCKER_TASK_COUNT = 20;
/** Base of the names of every container this step creates, so that cleanup finds them. */
const NAME_BASE = `tasque-bench-${process.pid}`;
const DOCKER_RUN_LIMIT_MS = 60_000;

/** Milliseconds per container task, or why the step was skipped. */
export type DockerResult = { readonly skipped: string } | { readonly tasqueMsPerTask: number; readonly dockerRunMsPerTask: number; readonly taskCount: number };

/**
 * Times container tasks of `true` in the test image: a Tasque SQS worker with
 * the Docker executor at concurrency 1, against `docker run --rm` one after
 * another. Skipped when the test engine of scripts/test-dockerd.sh is not running.
 */
export async function measureDocker(sqs: SqsEmulator): Promise<DockerResult> {
  const reason = await dockerUnavailable();
  if (reason) return { skipped: reason };
  try {
    const tasqueMs = await timeTasqueContainers(sqs);
    const dockerRunMs = await timeDockerRuns();
    return { tasqueMsPerTask: tasqueMs / DOCKER_TASK_COUNT, dockerRunMsPerTask: dockerRunMs / DOCKER_TASK_COUNT, taskCount: DOCKER_TASK_COUNT };
  } finally {
    await removeBenchContainers();
  }
}

async function timeTasqueContainers(sqs: SqsEmulator): Promise<number> {
  const queueUrl = await createQueue(sqs.client, "docker");
  try {
    await sendMessages(sqs.client, queueUrl, Array.from({ length: DOCKER_TASK_COUNT }, () => "{}"));
    const args = ["--queue-url", queueUrl, "--max-tasks", String(DOCKER_TASK_COUNT), "--", ...TRUE_JOB];
    const env = {
      DOCKER: "true",
      DEPLOY_METHOD: "DOCKER",
      DOCKER_HOST: TEST_DOCKER_HOST,
      DOCKER_PULL: "never",
      DOCKER_CONTAINER_NAME: NAME_BASE,
      DOCKER_TASK_DEFINITION: JSON.stringify({ ImageName: TEST_IMAGE }),
    };
    const durationMs = await timeWorkerRun({ process: startTasque(args, { sqs: sqs.endpoint }, { env, killAfterMs: DOCKER_RUN_LIMIT_MS * 2 }), readyPattern: TASQUE_SQS_READY });
    const left = await messagesLeft(sqs.client, queueUrl);
    if (left !== 0) throw new Error(`${left} container tasks did not succeed`);
    return durationMs;
  } finally {
    await deleteQueue(sqs.client, queueUrl);
  }
}

/** Runs `docker run --rm IMAGE true` DOCKER_TASK_COUNT times, one after another, and returns the total wall time. */
async function timeDockerRuns(): Promise<number> {
  const startedMs = performance.now();
  for (let index = 0; index < DOCKER_TASK_COUNT; index++) await dockerRun(`${NAME_BASE}-run-${index}`);
  return performance.now() - startedMs;
}

function dockerRun(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", ["run", "--rm", "--name", name, TEST_IMAGE, ...TRUE_JOB], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: TEST_DOCKER_HOST },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill("SIGKILL"), DOCKER_RUN_LIMIT_MS);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(killer);
      if (code === 0) resolve();
      else reject(new Error(`docker run exited with ${code}: ${stderr}`));
    });
  });
}

/** Removes every container whose name starts with this run's base, those of Tasque and those of `docker run` alike. */
async function removeBenchContainers(): Promise<void> {
  const docker = testDocker();
  const containers = await docker.listContainers({ all: true, filters: { name: [NAME_BASE] } });
  await Promise.all(containers.map((container) => docker.getContainer(container.Id).remove({ force: true })));
}
