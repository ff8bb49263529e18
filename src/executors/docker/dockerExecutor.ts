import { PassThrough, type Duplex } from "node:stream";
import Docker from "dockerode";
import type { DockerSettings } from "../../config/executor.ts";
import type { Logger } from "../../log/logger.ts";
import type { RunReport } from "../../outcome/outcome.ts";
import type { Task } from "../../sources/source.ts";
import { sleep } from "../../util/timers.ts";
import type { Executor } from "../executor.ts";
import { OutputCollector, type CollectedOutput } from "../output.ts";
import { MAX_RESULT_FILE_BYTES } from "../process/taskFiles.ts";
import type { StopRequest, StopSignal } from "../stop.ts";
import { payloadVariableProblem, taskVariables } from "../variables.ts";
import { readFirstFile, taskFolderArchive } from "./archive.ts";
import { canWriteTaskFolder, containerName, containerSpec } from "./containerSpec.ts";
import { engineMessage, engineStatus, isUnreachable } from "./engineError.ts";
import { ensureImage, ImageUnavailableError } from "./images.ts";

/** How long Tasque keeps reading a container's output after it exits; the attach stream normally ends at once. */
const OUTPUT_DRAIN_MS = 2000;
/** Failure key of engine errors, the exit code `docker run` gives when Docker itself fails. */
const ENGINE_FAILURE_KEY = "125";

/** Settings of the Docker executor beyond DockerSettings. */
export interface DockerExecutorOptions {
  readonly settings: DockerSettings;
  /** Replaces the image's CMD when not empty. */
  readonly command: readonly string[];
  readonly captureStdout: boolean;
}

/** Thrown inside a run for an engine error that fails the task with key 125. */
class EngineFailure extends Error {}

/** Runs each task as a container on a Docker Engine. */
export class DockerExecutor implements Executor {
  readonly name = "docker";
  readonly #docker: Docker;
  readonly #options: DockerExecutorOptions;

  constructor(options: DockerExecutorOptions) {
    this.#options = options;
    this.#docker = new Docker({ ...options.settings.connection });
  }

  async run(task: Task, stop: StopSignal, log: Logger): Promise<RunReport> {
    const startedAt = performance.now();
    const elapsed = () => performance.now() - startedAt;
    let container: Docker.Container | undefined;
    try {
      container = await this.#prepare(task, log);
      if (stop.request) return { exitCode: null, signal: null, stderrTail: "", durationMs: elapsed(), detail: "stopped before the container started" };
      const ended = await this.#runContainer(container, task, stop, log);
      return { ...ended, durationMs: elapsed() };
    } catch (error) {
      return { exitCode: null, signal: null, stderrTail: "", durationMs: elapsed(), ...this.#engineFailure(error) };
    } finally {
      if (container) await this.#remove(container, log);
    }
  }

  /** Pulls the image if needed, removes a leftover container of the same name, creates the container and puts the payload file in. */
  async #prepare(task: Task, log: Logger): Promise<Docker.Container> {
    const { settings, command } = this.#options;
    await ensureImage(this.#docker, settings, log);
    await this.#removeLeftover(containerName(settings.containerNameBase, task.id), log);

    const writeFiles = canWriteTaskFolder(settings.definition, settings.taskDir);
    if (!writeFiles) log.warn({ taskDir: settings.taskDir }, "the task folder is on a read-only or tmpfs file system; TASK_PAYLOAD_FILE and TASK_RESULT_FILE are left out, and stdin and TASK_PAYLOAD carry the payload");
    const variables = this.#variables(task, writeFiles, log);
    const container = await this.#docker.createContainer(containerSpec(settings, task, command, variables));
    log.debug({ container: container.id }, "container created");
    if (writeFiles) await container.putArchive(await taskFolderArchive(settings.taskDir, task.payload), { path: "/" });
    return container;
  }

  #variables(task: Task, writeFiles: boolean, log: Logger): Record<string, string> {
    const { taskDir, payloadEnv } = this.#options.settings;
    const problem = payloadEnv ? payloadVariableProblem(task.payload) : "DOCKER_PAYLOAD_ENV is false";
    if (problem && payloadEnv) log.warn(`TASK_PAYLOAD left out of the container's environment: ${problem}; read stdin or TASK_PAYLOAD_FILE instead`);
    const variables = taskVariables(task, { payloadFile: `${taskDir}/payload`, resultFile: `${taskDir}/result.json` }, problem === undefined);
    if (!writeFiles) {
      delete variables.TASK_PAYLOAD_FILE;
      delete variables.TASK_RESULT_FILE;
    }
    return variables;
  }

  async #removeLeftover(name: string, log: Logger): Promise<void> {
    try {
      await this.#docker.getContainer(name).remove({ force: true, v: true });
      log.warn({ container: name }, "removed a container of the same name left by an earlier run of this task");
    } catch (error) {
      if (engineStatus(error) !== 404) throw error;
    }
  }

  /** Attaches, starts the container, feeds stdin, follows it to its exit and collects output, exit state and result. */
  async #runContainer(container: Docker.Container, task: Task, stop: StopSignal, log: Logger): Promise<Omit<RunReport, "durationMs">> {
    const output = new OutputCollector(log, this.#options.captureStdout);
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
    const streamEnded = demultiplex(container, stream, output);
    await container.start();
    feedStdin(stream, task.payload, log);

    const unsubscribe = stop.onRequest((request) => void stopContainer(container, request, log));
    try {
      const exit = await waitForExit(container);
      await Promise.race([streamEnded, sleep(OUTPUT_DRAIN_MS)]);
      stream.destroy();
      const collected = output.finish();
      const state = await inspectState(container);
      return await this.#report(container, exit, state, collected, log);
    } finally {
      unsubscribe();
      stream.destroy();
    }
  }

  async #report(container: Docker.Container, exitCode: number, state: ContainerState, collected: CollectedOutput, log: Logger): Promise<Omit<RunReport, "durationMs">> {
    const base = { exitCode, signal: null, stderrTail: collected.stderrTail };
    if (state.OOMKilled) {
      const limit = this.#options.settings.definition.memoryBytes;
      const detail = `the container was killed for using more memory than its limit${limit ? ` of ${limit} bytes` : ""} (OOMKilled)`;
      log.warn(detail);
      return { ...base, failureKey: "MEMORY", detail };
    }
    if (exitCode !== 0 || !this.#options.captureStdout) return base;

    const result = await this.#readResult(container);
    if (result.error) return { ...base, failureKey: "RESULT", detail: result.error };
    if (result.text !== undefined) return { ...base, resultFile: result.text };
    if (collected.stdoutOverflow) return { ...base, failureKey: "RESULT", detail: "stdout is too large to be a result; write the result to TASK_RESULT_FILE" };
    return collected.stdout === undefined ? base : { ...base, stdout: collected.stdout };
  }

  async #readResult(container: Docker.Container): Promise<{ text?: string; error?: string }> {
    const { taskDir, definition } = this.#options.settings;
    if (!canWriteTaskFolder(definition, taskDir)) return {};
    try {
      return await readFirstFile(await container.getArchive({ path: `${taskDir}/result.json` }), MAX_RESULT_FILE_BYTES);
    } catch (error) {
      if (engineStatus(error) === 404) return {};
      throw error;
    }
  }

  async #remove(container: Docker.Container, log: Logger): Promise<void> {
    if (!this.#options.settings.definition.autoRemove) {
      log.info({ container: container.id }, "container kept (AutoRemove is false)");
      return;
    }
    try {
      await container.remove({ force: true, v: true });
    } catch (error) {
      if (engineStatus(error) !== 404) log.warn({ err: error, container: container.id }, "removing the container failed");
    }
  }

  /** Turns an engine error into a failure with key 125 and a message naming the image or setting. */
  #engineFailure(error: unknown): { failureKey: string; detail: string } {
    const { endpoint, definition } = this.#options.settings;
    let detail: string;
    if (error instanceof ImageUnavailableError || error instanceof EngineFailure) detail = error.message;
    else if (isUnreachable(error)) detail = `cannot reach the Docker Engine at ${endpoint}: ${engineMessage(error)}; check DOCKER_ENDPOINT or DOCKER_HOST`;
    else if (engineStatus(error) === 404) detail = `the Docker Engine reported not found for image ${definition.imageName}: ${engineMessage(error)}`;
    else detail = `the Docker Engine rejected the container for image ${definition.imageName}: ${engineMessage(error)}; check DOCKER_TASK_DEFINITION`;
    return { failureKey: ENGINE_FAILURE_KEY, detail };
  }
}

/** Fields of a container's state that decide its outcome. */
interface ContainerState {
  readonly OOMKilled: boolean;
}

function demultiplex(container: Docker.Container, stream: Duplex, output: OutputCollector): Promise<void> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (chunk: Buffer) => output.write("stdout", chunk));
  stderr.on("data", (chunk: Buffer) => output.write("stderr", chunk));
  container.modem.demuxStream(stream, stdout, stderr);
  return new Promise((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
}

function feedStdin(stream: Duplex, payload: string, log: Logger): void {
  stream.on("error", (error: NodeJS.ErrnoException) => log.debug({ code: error.code }, "container closed stdin before reading the whole payload"));
  stream.write(payload);
  // Closing this side ends the container's stdin (StdinOnce), so the job reads end of input.
  stream.end();
}

/** Waits for the container to stop and returns its exit code; a container that vanished is an engine failure. */
async function waitForExit(container: Docker.Container): Promise<number> {
  try {
    const answer = (await container.wait()) as { StatusCode: number };
    return answer.StatusCode;
  } catch (error) {
    if (engineStatus(error) === 404) throw new EngineFailure(`container ${container.id.slice(0, 12)} disappeared while its task ran (removed by someone else, or the engine restarted)`);
    throw error;
  }
}

async function inspectState(container: Docker.Container): Promise<ContainerState> {
  try {
    return (await container.inspect()).State;
  } catch (error) {
    if (engineStatus(error) === 404) throw new EngineFailure(`container ${container.id.slice(0, 12)} disappeared before its exit state could be read`);
    throw error;
  }
}

/** Stops the container: the image's stop signal, then SIGKILL after the grace in whole seconds, rounded up. */
async function stopContainer(container: Docker.Container, request: StopRequest, log: Logger): Promise<void> {
  try {
    if (request.graceMs <= 0) await container.kill({ signal: "SIGKILL" });
    else await container.stop({ t: Math.ceil(request.graceMs / 1000) });
  } catch (error) {
    const status = engineStatus(error);
    if (status !== 304 && status !== 404 && status !== 409) log.warn({ err: error }, "stopping the container failed");
  }
}
