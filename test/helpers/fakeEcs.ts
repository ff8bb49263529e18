import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type Docker from "dockerode";
import { TEST_IMAGE, testDocker } from "./docker.ts";

/*
 * A local Amazon ECS API for tests. It speaks the JSON 1.1 protocol that
 * @aws-sdk/client-ecs sends (RunTask, StartTask, DescribeTasks, StopTask,
 * DescribeTaskDefinition) and the ECS agent's introspection endpoint
 * GET /v1/metadata. Each ECS container runs as a real container in the test
 * Docker Engine, so exit codes, OOM kills and docker stop behave as they do
 * on an EC2 container instance. Request signatures are not checked.
 *
 * As on ECS, RunTask and StartTask return PENDING tasks and start the containers
 * afterwards, and StopTask returns before the containers have stopped: poll
 * DescribeTasks until lastStatus is STOPPED.
 */

const REGION = "us-east-1";
const ACCOUNT_ID = "123456789012";
const ARN_PREFIX = `arn:aws:ecs:${REGION}:${ACCOUNT_ID}`;
const TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
const CLUSTER_NAME = "fake-cluster";
const AGENT_VERSION = "Amazon ECS Agent - v1.80.0 (fake)";
/** Label on every engine container of the fake, beside the labels the ECS agent sets. */
const FAKE_LABEL = "tasque.fake-ecs";

// Limits as the API documentation in @aws-sdk/client-ecs 3.1178.0 states them. RunTask
// allows a startedBy of 128 characters there, StartTask only 36.
const MAX_OVERRIDES_LENGTH = 8192;
const MAX_DESCRIBE_TASKS = 100;
const MAX_RUN_TASK_COUNT = 10;
const MAX_CONTAINER_INSTANCES = 10;
const MAX_RUN_TASK_STARTED_BY = 128;
const MAX_START_TASK_STARTED_BY = 36;
/** Limit stated by older ECS API documentation (amazonka-ecs 1.6.1). The current text names none. */
const MAX_STOP_REASON = 255;
const STARTED_BY_PATTERN = /^[A-Za-z0-9/_-]*$/;
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

const OUT_OF_MEMORY_REASON = "OutOfMemoryError: Container killed due to memory usage";

/** One container of a task definition that `registerTaskDefinition` accepts. */
export interface FakeContainerDefinition {
  name: string;
  command?: string[];
  environment?: Record<string, string>;
  /** Hard memory limit in MiB, the `memory` field of an ECS container definition. */
  memoryMiB?: number;
  /** Defaults to true. */
  essential?: boolean;
  /** Defaults to TEST_IMAGE. The fake never pulls, so an image the engine lacks fails like a failed pull. */
  image?: string;
}

export interface FakeTaskDefinitionInput {
  family: string;
  containers: FakeContainerDefinition[];
}

export interface FakeEcsOptions {
  /** Seconds between SIGTERM and SIGKILL when the fake stops a container (docker stop -t). Defaults to 2. */
  stopTimeoutSec?: number;
}

/** One ECS API request as the fake received it. */
export interface FakeEcsCall {
  action: string;
  body: Record<string, unknown>;
}

/** A placement failure for `failNextStart`, as ECS returns it in `failures`. */
export interface PlannedStartFailure {
  /** For example "RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS", "AGENT" or "ATTRIBUTE". */
  reason: string;
  /** Defaults to the container instance ARN, as ECS reports placement failures. */
  arn?: string;
  detail?: string;
}

export interface FakeEcs {
  /** Base URL for the SDK client's `endpoint`, "http://127.0.0.1:PORT". */
  readonly endpoint: string;
  /** Base URL of the agent introspection API. It equals `endpoint`. */
  readonly agentUri: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly containerInstanceArn: string;
  /** Every ECS API request in the order received, including rejected ones. */
  readonly calls: FakeEcsCall[];
  /** Number of task identifiers in each DescribeTasks request, in order. */
  readonly describeBatchSizes: number[];
  /** Registers the next revision of the family and returns its task definition ARN. */
  registerTaskDefinition(input: FakeTaskDefinitionInput): string;
  /** Makes the next RunTask or StartTask start nothing and return this failure. */
  failNextStart(failure: PlannedStartFailure): void;
  /** Makes the next RunTask or StartTask fail with this error. A type ending in "ServerException" gets HTTP 500, which the SDK retries. */
  rejectNextStart(type?: string, message?: string): void;
  /** Returns the names of the fake's engine containers that still exist, running or not. */
  runningEngineContainers(): Promise<string[]>;
  /** Stops the server and force-removes every engine container the fake created. */
  close(): Promise<void>;
}

/** Starts a fake ECS API on 127.0.0.1 with a free port. */
export async function startFakeEcs(options: FakeEcsOptions = {}): Promise<FakeEcs> {
  const fake = new FakeEcsServer(options.stopTimeoutSec ?? 2);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------
// Wire shapes (lowerCamelCase, timestamps in epoch seconds, as JSON 1.1 sends them)

interface WireContainer {
  containerArn: string;
  taskArn: string;
  name: string;
  image: string;
  runtimeId?: string;
  lastStatus: "PENDING" | "RUNNING" | "STOPPED";
  exitCode?: number;
  reason?: string;
  networkBindings: [];
  networkInterfaces: [];
  healthStatus: "UNKNOWN";
  cpu: string;
  memory?: string;
}

interface WireTask {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  containerInstanceArn?: string;
  overrides: Record<string, unknown>;
  lastStatus: "PENDING" | "RUNNING" | "STOPPED";
  desiredStatus: "RUNNING" | "STOPPED";
  containers: WireContainer[];
  startedBy?: string;
  group: string;
  launchType: string;
  version: number;
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  executionStoppedAt?: number;
  stoppedReason?: string;
  stopCode?: StopCode;
  tags?: unknown[];
  attachments: [];
  healthStatus: "UNKNOWN";
}

interface WireFailure {
  arn?: string;
  reason: string;
  detail?: string;
}

interface StartResponse {
  tasks: WireTask[];
  failures: WireFailure[];
}

type RequestBody = Record<string, unknown>;
type StopCode = "TaskFailedToStart" | "EssentialContainerExited" | "UserInitiated";

// ---------------------------------------------------------------------------
// State

interface RegisteredContainer {
  name: string;
  image: string;
  command?: string[];
  environment: Record<string, string>;
  memoryMiB?: number;
  essential: boolean;
}

interface RegisteredTaskDefinition {
  arn: string;
  family: string;
  revision: number;
  containers: RegisteredContainer[];
  registeredAt: number;
}

interface ContainerOverride {
  name: string;
  command?: string[];
  environment?: Array<{ name: string; value: string }>;
}

/** A validated RunTask or StartTask request. */
interface LaunchRequest {
  definition: RegisteredTaskDefinition;
  overrides: Record<string, unknown>;
  containerOverrides: Map<string, ContainerOverride>;
  startedBy?: string;
  group: string;
  launchType: string;
  tags: unknown[];
}

interface TaskContainer {
  definition: RegisteredContainer;
  arn: string;
  engineName: string;
  engineId?: string;
  /** Reason reported when the container could not be created or started. */
  failure?: string;
}

interface StopRequest {
  code: StopCode;
  reason: string;
  at: number;
  /** Time in epoch seconds when the last container stopped. */
  settledAt?: number;
  /** Resolves once every engine container of the task has stopped. It never rejects. */
  done: Promise<void>;
  settled: boolean;
}

interface FakeTask {
  id: string;
  arn: string;
  request: LaunchRequest;
  containers: TaskContainer[];
  createdAt: number;
  startedAt?: number;
  /** Resolves once every container has started or failed to start. It never rejects. */
  starting: Promise<void>;
  started: boolean;
  stop?: StopRequest;
  finalizing?: Promise<WireTask>;
  version: number;
}

/** Engine state of one container at the time of a request. */
interface EngineState {
  running: boolean;
  exited: boolean;
  exitCode?: number;
  oomKilled: boolean;
}

type PlannedStart = { kind: "failure"; failure: PlannedStartFailure } | { kind: "rejection"; error: EcsError };

class EcsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) => new EcsError("InvalidParameterException", message);
const nowSeconds = () => Date.now() / 1000;

// ---------------------------------------------------------------------------
// Server

class FakeEcsServer implements FakeEcs {
  readonly clusterName = CLUSTER_NAME;
  readonly clusterArn = `${ARN_PREFIX}:cluster/${CLUSTER_NAME}`;
  readonly containerInstanceId = randomUUID().replaceAll("-", "");
  readonly containerInstanceArn = `${ARN_PREFIX}:container-instance/${CLUSTER_NAME}/${this.containerInstanceId}`;
  readonly calls: FakeEcsCall[] = [];
  readonly describeBatchSizes: number[] = [];
  endpoint = "";

  private readonly server: Server = createServer((request, response) => void this.track(this.handle(request, response)));
  private readonly docker: Docker = testDocker();
  private readonly definitions = new Map<string, RegisteredTaskDefinition[]>();
  private readonly tasks = new Map<string, FakeTask>();
  private readonly plannedStarts: PlannedStart[] = [];
  private readonly startsByClientToken = new Map<string, { request: string; response: StartResponse }>();
  private readonly engineNames = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly stopTimeoutSec: number) {}

  get agentUri(): string {
    return this.endpoint;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  registerTaskDefinition(input: FakeTaskDefinitionInput): string {
    const containers = input.containers.map(registeredContainer);
    validateTaskDefinition(input.family, containers);
    const revisions = this.definitions.get(input.family) ?? [];
    const revision = revisions.length + 1;
    revisions.push({
      arn: `${ARN_PREFIX}:task-definition/${input.family}:${revision}`,
      family: input.family,
      revision,
      containers,
      registeredAt: nowSeconds(),
    });
    this.definitions.set(input.family, revisions);
    return `${ARN_PREFIX}:task-definition/${input.family}:${revision}`;
  }

  failNextStart(failure: PlannedStartFailure): void {
    this.plannedStarts.push({ kind: "failure", failure });
  }

  rejectNextStart(type = "InvalidParameterException", message = "Rejected by the test through rejectNextStart."): void {
    const status = type.endsWith("ServerException") ? 500 : 400;
    this.plannedStarts.push({ kind: "rejection", error: new EcsError(type, message, status) });
  }

  async runningEngineContainers(): Promise<string[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${FAKE_LABEL}=true`] } });
    return containers
      .flatMap((container) => container.Names)
      .map((name) => name.replace(/^\//, ""))
      .filter((name) => this.engineNames.has(name));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await Promise.all([...this.engineNames].map((name) => this.removeEngineContainer(name)));
  }

  // --- HTTP -----------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      if (request.method === "GET" && request.url === "/v1/metadata") {
        sendJson(response, 200, this.agentMetadata(), "application/json");
        return;
      }
      if (request.method !== "POST" || request.url !== "/") {
        sendJson(response, 404, { message: `${request.method} ${request.url} is not an ECS API or agent introspection path.` }, "application/json");
        return;
      }
      const action = parseAction(request.headers["x-amz-target"]);
      const body = parseBody(await readText(request));
      this.calls.push({ action, body });
      sendJson(response, 200, await this.dispatch(action, body));
    } catch (error) {
      this.sendError(response, error);
    }
  }

  private sendError(response: ServerResponse, error: unknown): void {
    if (error instanceof EcsError) {
      sendJson(response, error.status, { __type: error.type, message: error.message });
      return;
    }
    console.error("fake ECS: request failed:", error);
    sendJson(response, 500, { __type: "ServerException", message: `Fake ECS failed: ${(error as Error).message}` });
  }

  private dispatch(action: string, body: RequestBody): Promise<unknown> | unknown {
    switch (action) {
      case "RunTask":
        return this.runTask(body);
      case "StartTask":
        return this.startTask(body);
      case "DescribeTasks":
        return this.describeTasks(body);
      case "StopTask":
        return this.stopTask(body);
      case "DescribeTaskDefinition":
        return this.describeTaskDefinition(body);
      default:
        throw new EcsError("UnknownOperationException", `The fake ECS server does not implement ${action}.`);
    }
  }

  private agentMetadata() {
    return { Cluster: this.clusterName, ContainerInstanceArn: this.containerInstanceArn, Version: AGENT_VERSION };
  }

  // --- Actions --------------------------------------------------------------

  private runTask(body: RequestBody): StartResponse {
    const replay = this.replayClientToken(body);
    if (replay) return replay;
    const planned = this.takePlannedStart();
    if (planned) return planned;

    this.resolveCluster(body.cluster);
    const request = this.parseLaunchRequest(body, MAX_RUN_TASK_STARTED_BY);
    const count = readCount(body.count);
    const tasks = Array.from({ length: count }, () => this.launchTask(request));
    const response = { tasks: tasks.map((task) => ({ ...this.pendingDescription(task), tags: request.tags })), failures: [] };

    this.rememberClientToken(body, response);
    return response;
  }

  private startTask(body: RequestBody): StartResponse {
    const planned = this.takePlannedStart();
    if (planned) return planned;

    this.resolveCluster(body.cluster);
    const instances = readStringList(body, "containerInstances");
    if (!instances || instances.length === 0) throw invalidParameter("Container instances cannot be empty.");
    if (instances.length > MAX_CONTAINER_INSTANCES) throw invalidParameter(`At most ${MAX_CONTAINER_INSTANCES} container instances are allowed, got ${instances.length}.`);
    const request = this.parseLaunchRequest(body, MAX_START_TASK_STARTED_BY);

    const response: StartResponse = { tasks: [], failures: [] };
    for (const instance of instances) {
      if (instance === this.containerInstanceArn || instance === this.containerInstanceId) {
        response.tasks.push({ ...this.pendingDescription(this.launchTask(request)), tags: request.tags });
      } else {
        // NOTE: assumed. ECS documents the reason MISSING for unknown container instances only for DescribeContainerInstances.
        response.failures.push({ arn: this.containerInstanceArnOf(instance), reason: "MISSING" });
      }
    }
    return response;
  }

  private async describeTasks(body: RequestBody): Promise<{ tasks: WireTask[]; failures: WireFailure[] }> {
    const references = readStringList(body, "tasks") ?? [];
    this.describeBatchSizes.push(references.length);
    this.resolveCluster(body.cluster);
    if (references.length === 0) throw invalidParameter("Tasks cannot be empty.");
    if (references.length > MAX_DESCRIBE_TASKS) throw invalidParameter(`Tasks can have at most ${MAX_DESCRIBE_TASKS} elements, got ${references.length}.`);

    const includeTags = (readStringList(body, "include") ?? []).includes("TAGS");
    const found = references.map((reference) => ({ reference, task: this.findTask(reference) }));
    const tasks = await Promise.all(found.flatMap(({ task }) => (task ? [this.describeTask(task)] : [])));
    const failures = found.filter(({ task }) => !task).map(({ reference }) => ({ arn: this.taskArnOf(reference), reason: "MISSING" }));
    return { tasks: tasks.map((task) => withTags(task, includeTags, found)), failures };
  }

  private async stopTask(body: RequestBody): Promise<{ task: WireTask }> {
    this.resolveCluster(body.cluster);
    const reference = readString(body, "task");
    if (!reference) throw invalidParameter("Task cannot be empty.");
    const reason = readString(body, "reason");
    if (reason !== undefined && reason.length > MAX_STOP_REASON) throw invalidParameter(`Reason must be at most ${MAX_STOP_REASON} characters, got ${reason.length}.`);
    const task = this.findTask(reference);
    // NOTE: the error text for an unknown task and the stoppedReason of a StopTask without reason are assumed.
    if (!task) throw invalidParameter("The referenced task was not found.");

    if (!task.stop) this.beginStop(task, "UserInitiated", reason ?? "Task stopped by user");
    return { task: await this.describeTask(task) };
  }

  private describeTaskDefinition(body: RequestBody) {
    const definition = this.resolveTaskDefinition(body.taskDefinition);
    const includeTags = (readStringList(body, "include") ?? []).includes("TAGS");
    return { taskDefinition: describeDefinition(definition), ...(includeTags ? { tags: [] } : {}) };
  }

  // --- Request parsing ------------------------------------------------------

  private parseLaunchRequest(body: RequestBody, maxStartedBy: number): LaunchRequest {
    const definition = this.resolveTaskDefinition(body.taskDefinition);
    const startedBy = readString(body, "startedBy");
    validateStartedBy(startedBy, maxStartedBy);
    const overrides = readObject(body, "overrides") ?? {};
    const containerOverrides = parseContainerOverrides(body.overrides, overrides, definition);
    return {
      definition,
      overrides: {
        ...overrides,
        containerOverrides: definition.containers.map((container) => containerOverrides.get(container.name) ?? { name: container.name }),
        inferenceAcceleratorOverrides: overrides.inferenceAcceleratorOverrides ?? [],
      },
      containerOverrides,
      startedBy,
      group: readString(body, "group") ?? `family:${definition.family}`,
      launchType: readString(body, "launchType") ?? "EC2",
      tags: Array.isArray(body.tags) ? body.tags : [],
    };
  }

  private resolveCluster(value: unknown): void {
    // ECS takes a missing cluster as the cluster named "default", which the fake does not have.
    const cluster = value ?? "default";
    if (cluster === this.clusterName || cluster === this.clusterArn) return;
    throw new EcsError("ClusterNotFoundException", "Cluster not found.");
  }

  private resolveTaskDefinition(reference: unknown): RegisteredTaskDefinition {
    if (typeof reference !== "string" || reference === "") throw invalidParameter("Task Definition can not be blank.");
    const familyAndRevision = reference.startsWith(`${ARN_PREFIX}:task-definition/`) ? reference.slice(`${ARN_PREFIX}:task-definition/`.length) : reference;
    const [family = "", revisionText, ...rest] = familyAndRevision.split(":");
    const revisions = this.definitions.get(family) ?? [];
    const revision = revisionText === undefined ? revisions.length : Number(revisionText);
    const definition = rest.length === 0 ? revisions[revision - 1] : undefined;
    if (!definition) throw new EcsError("ClientException", "Unable to describe task definition.");
    return definition;
  }

  private takePlannedStart(): StartResponse | undefined {
    const planned = this.plannedStarts.shift();
    if (!planned) return undefined;
    if (planned.kind === "rejection") throw planned.error;
    const { reason, arn = this.containerInstanceArn, detail } = planned.failure;
    return { tasks: [], failures: [{ arn, reason, ...(detail === undefined ? {} : { detail }) }] };
  }

  /** Returns the earlier response for a RunTask retried with the same clientToken, as ECS does. */
  private replayClientToken(body: RequestBody): StartResponse | undefined {
    const token = readString(body, "clientToken");
    const earlier = token === undefined ? undefined : this.startsByClientToken.get(token);
    if (!earlier) return undefined;
    if (earlier.request !== requestWithoutToken(body)) {
      throw new EcsError("ConflictException", `The client token ${token} is already in use with a different RunTask request.`);
    }
    return earlier.response;
  }

  private rememberClientToken(body: RequestBody, response: StartResponse): void {
    const token = readString(body, "clientToken");
    if (token !== undefined) this.startsByClientToken.set(token, { request: requestWithoutToken(body), response });
  }

  private findTask(reference: string): FakeTask | undefined {
    const taskPrefix = `${ARN_PREFIX}:task/${this.clusterName}/`;
    const id = reference.startsWith(taskPrefix) ? reference.slice(taskPrefix.length) : reference;
    return this.tasks.get(id);
  }

  private taskArnOf(reference: string): string {
    return reference.startsWith("arn:") ? reference : `${ARN_PREFIX}:task/${this.clusterName}/${reference}`;
  }

  private containerInstanceArnOf(reference: string): string {
    return reference.startsWith("arn:") ? reference : `${ARN_PREFIX}:container-instance/${this.clusterName}/${reference}`;
  }

  // --- Task lifecycle -------------------------------------------------------

  private launchTask(request: LaunchRequest): FakeTask {
    const id = randomUUID().replaceAll("-", "");
    const arn = `${ARN_PREFIX}:task/${this.clusterName}/${id}`;
    const containers = request.definition.containers.map((definition) => ({
      definition,
      arn: `${ARN_PREFIX}:container/${this.clusterName}/${id}/${randomUUID()}`,
      engineName: `fake-ecs-${id}-${definition.name}`,
    }));
    const task: FakeTask = { id, arn, request, containers, createdAt: nowSeconds(), starting: Promise.resolve(), started: false, version: 1 };
    task.starting = this.track(this.startContainers(task));
    this.tasks.set(id, task);
    return task;
  }

  /** Creates and starts the task's containers in the background, as the agent does after RunTask returns. */
  private async startContainers(task: FakeTask): Promise<void> {
    try {
      for (const container of task.containers) await this.createEngineContainer(task, container);
      for (const container of task.containers) {
        if (container.engineId && !task.stop) await this.startEngineContainer(container);
      }
    } catch (error) {
      console.error(`fake ECS: starting task ${task.arn} failed:`, error);
    }
    task.started = true;
    task.startedAt = nowSeconds();
    task.version++;

    const essentialFailed = task.containers.some((container) => container.failure && container.definition.essential);
    if (essentialFailed && !task.stop) this.beginStop(task, "TaskFailedToStart", "Task failed to start");
  }

  private async createEngineContainer(task: FakeTask, container: TaskContainer): Promise<void> {
    const override = task.request.containerOverrides.get(container.definition.name);
    this.engineNames.add(container.engineName);
    try {
      const created = await this.docker.createContainer(engineContainerSpec(this.clusterName, task, container, override));
      container.engineId = created.id;
    } catch (error) {
      container.failure = statusCodeOf(error) === 404 ? cannotPullReason(container.definition.image) : `CannotCreateContainerError: ${engineMessage(error)}`;
    }
  }

  private async startEngineContainer(container: TaskContainer): Promise<void> {
    try {
      await this.docker.getContainer(container.engineName).start();
    } catch (error) {
      container.failure = `CannotStartContainerError: ${engineMessage(error)}`;
    }
  }

  /** Stops every container of the task in the background (SIGTERM, SIGKILL after the stop timeout). */
  private beginStop(task: FakeTask, code: StopCode, reason: string): void {
    const stop: StopRequest = { code, reason, at: nowSeconds(), done: Promise.resolve(), settled: false };
    stop.done = this.track(
      task.starting
        .then(() => this.stopEngineContainers(task))
        .then(() => {
          stop.settled = true;
          stop.settledAt = nowSeconds();
          task.version++;
        }),
    );
    task.stop = stop;
    task.version++;
  }

  private async stopEngineContainers(task: FakeTask): Promise<void> {
    const created = task.containers.filter((container) => container.engineId);
    await Promise.all(created.map((container) => this.stopEngineContainer(container.engineName)));
  }

  private async stopEngineContainer(name: string): Promise<void> {
    try {
      await this.docker.getContainer(name).stop({ t: this.stopTimeoutSec });
    } catch (error) {
      // Docker returns 304 for a container that had already stopped and 404 for one that is gone.
      const status = statusCodeOf(error);
      if (status !== 304 && status !== 404) console.error(`fake ECS: docker stop ${name} failed:`, error);
    }
  }

  private async removeEngineContainer(name: string): Promise<void> {
    try {
      await this.docker.getContainer(name).remove({ force: true });
    } catch (error) {
      if (statusCodeOf(error) !== 404) console.error(`fake ECS: removing ${name} failed:`, error);
    }
  }

  // --- Describing tasks -----------------------------------------------------

  /**
   * Derives the task's state from the engine now. An exited essential container
   * stops the task, and this call waits for the other containers to stop. A
   * StopTask does not make it wait, so the task stays RUNNING with desiredStatus
   * STOPPED until its containers have stopped.
   */
  private async describeTask(task: FakeTask): Promise<WireTask> {
    if (task.finalizing) return task.finalizing;
    if (!task.started) return this.pendingDescription(task);

    const states = await this.inspectContainers(task);
    if (!task.stop && this.essentialContainerExited(task, states)) {
      this.beginStop(task, "EssentialContainerExited", "Essential container in task exited");
    }
    if (task.stop && task.stop.code !== "UserInitiated") await task.stop.done;
    if (task.stop?.settled) {
      task.finalizing ??= this.finalize(task);
      return task.finalizing;
    }
    return this.description(task, states, "RUNNING");
  }

  private essentialContainerExited(task: FakeTask, states: Map<TaskContainer, EngineState>): boolean {
    return task.containers.some((container) => container.definition.essential && states.get(container)?.exited);
  }

  /** Records the STOPPED description, then removes the task's engine containers. */
  private async finalize(task: FakeTask): Promise<WireTask> {
    const states = await this.inspectContainers(task);
    const stoppedAt = task.stop?.settledAt ?? nowSeconds();
    const description = { ...this.description(task, states, "STOPPED"), stoppedAt, executionStoppedAt: stoppedAt };
    await Promise.all(task.containers.map((container) => this.removeEngineContainer(container.engineName)));
    return description;
  }

  private async inspectContainers(task: FakeTask): Promise<Map<TaskContainer, EngineState>> {
    const states = new Map<TaskContainer, EngineState>();
    for (const container of task.containers) {
      if (container.engineId) states.set(container, await this.inspectEngineContainer(container.engineName));
    }
    return states;
  }

  private async inspectEngineContainer(name: string): Promise<EngineState> {
    try {
      const { State } = await this.docker.getContainer(name).inspect();
      const everStarted = !State.StartedAt.startsWith("0001-");
      const exited = everStarted && !State.Running;
      return { running: State.Running, exited, exitCode: exited ? State.ExitCode : undefined, oomKilled: State.OOMKilled };
    } catch (error) {
      // A container removed behind the fake's back counts as exited with an unknown exit code.
      if (statusCodeOf(error) === 404) return { running: false, exited: true, oomKilled: false };
      throw error;
    }
  }

  private pendingDescription(task: FakeTask): WireTask {
    return this.description(task, new Map(), "PENDING");
  }

  private description(task: FakeTask, states: Map<TaskContainer, EngineState>, lastStatus: WireTask["lastStatus"]): WireTask {
    const { request, stop } = task;
    return {
      taskArn: task.arn,
      clusterArn: this.clusterArn,
      taskDefinitionArn: request.definition.arn,
      ...(request.launchType === "EC2" ? { containerInstanceArn: this.containerInstanceArn } : {}),
      overrides: request.overrides,
      lastStatus,
      desiredStatus: stop ? "STOPPED" : "RUNNING",
      containers: task.containers.map((container) => describeContainer(task, container, states.get(container), lastStatus)),
      ...(request.startedBy === undefined ? {} : { startedBy: request.startedBy }),
      group: request.group,
      launchType: request.launchType,
      version: task.version,
      createdAt: task.createdAt,
      ...(task.startedAt === undefined ? {} : { startedAt: task.startedAt }),
      ...(stop ? { stoppingAt: stop.at, stoppedReason: stop.reason, stopCode: stop.code } : {}),
      attachments: [],
      healthStatus: "UNKNOWN",
    };
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

// ---------------------------------------------------------------------------
// Pure helpers

function registeredContainer(input: FakeContainerDefinition): RegisteredContainer {
  return {
    name: input.name,
    image: input.image ?? TEST_IMAGE,
    ...(input.command ? { command: [...input.command] } : {}),
    environment: { ...input.environment },
    ...(input.memoryMiB === undefined ? {} : { memoryMiB: input.memoryMiB }),
    essential: input.essential ?? true,
  };
}

/** Throws for a task definition that ECS RegisterTaskDefinition would reject. */
function validateTaskDefinition(family: string, containers: RegisteredContainer[]): void {
  if (!NAME_PATTERN.test(family)) throw new Error(`Invalid task definition family ${JSON.stringify(family)}: use 1 to 255 letters, digits, hyphens and underscores.`);
  if (containers.length === 0) throw new Error(`Task definition ${family} has no containers.`);
  const names = new Set<string>();
  for (const { name, memoryMiB } of containers) {
    if (!NAME_PATTERN.test(name)) throw new Error(`Invalid container name ${JSON.stringify(name)}: use 1 to 255 letters, digits, hyphens and underscores.`);
    if (names.has(name)) throw new Error(`Task definition ${family} has two containers named ${name}.`);
    // ECS requires at least 6 MiB for a container's hard limit.
    if (memoryMiB !== undefined && (!Number.isInteger(memoryMiB) || memoryMiB < 6)) throw new Error(`Container ${name}: memoryMiB must be an integer of at least 6, got ${memoryMiB}.`);
    names.add(name);
  }
  if (!containers.some((container) => container.essential)) throw new Error(`Task definition ${family} has no essential container.`);
}

function describeDefinition(definition: RegisteredTaskDefinition) {
  return {
    taskDefinitionArn: definition.arn,
    family: definition.family,
    revision: definition.revision,
    status: "ACTIVE",
    containerDefinitions: definition.containers.map((container) => ({
      name: container.name,
      image: container.image,
      essential: container.essential,
      ...(container.command ? { command: container.command } : {}),
      environment: Object.entries(container.environment).map(([name, value]) => ({ name, value })),
      ...(container.memoryMiB === undefined ? {} : { memory: container.memoryMiB }),
      cpu: 0,
      portMappings: [],
      mountPoints: [],
      volumesFrom: [],
    })),
    volumes: [],
    placementConstraints: [],
    compatibilities: ["EC2"],
    registeredAt: definition.registeredAt,
  };
}

function parseContainerOverrides(raw: unknown, overrides: Record<string, unknown>, definition: RegisteredTaskDefinition): Map<string, ContainerOverride> {
  // NOTE: measured on JSON.stringify of the request's overrides object. How ECS counts the
  // 8192 characters exactly (whitespace, escapes) is not documented beyond "including the JSON formatting".
  if (raw !== undefined && JSON.stringify(raw).length > MAX_OVERRIDES_LENGTH) {
    throw invalidParameter(`Container Overrides length must be at most ${MAX_OVERRIDES_LENGTH}`);
  }
  const list = overrides.containerOverrides ?? [];
  if (!Array.isArray(list)) throw invalidParameter("overrides.containerOverrides must be a list.");

  const byName = new Map<string, ContainerOverride>();
  for (const item of list) {
    const override = parseContainerOverride(item);
    if (!definition.containers.some((container) => container.name === override.name)) {
      throw invalidParameter(`Override for container named ${override.name} is not a container in the TaskDefinition.`);
    }
    byName.set(override.name, override);
  }
  return byName;
}

function parseContainerOverride(item: unknown): ContainerOverride {
  if (typeof item !== "object" || item === null) throw invalidParameter("Each container override must be an object.");
  const body = item as RequestBody;
  const name = readString(body, "name");
  if (!name) throw invalidParameter("Container override name cannot be empty.");
  const command = readStringList(body, "command");
  const environment = body.environment === undefined ? undefined : parseEnvironment(body.environment);
  return { ...body, name, ...(command ? { command } : {}), ...(environment ? { environment } : {}) };
}

function parseEnvironment(value: unknown): Array<{ name: string; value: string }> {
  if (!Array.isArray(value)) throw invalidParameter("Container override environment must be a list.");
  return value.map((entry: unknown) => {
    const pair = (entry ?? {}) as RequestBody;
    const name = readString(pair, "name");
    if (!name) throw invalidParameter("Environment variable name cannot be empty.");
    return { name, value: readString(pair, "value") ?? "" };
  });
}

function validateStartedBy(startedBy: string | undefined, max: number): void {
  if (startedBy === undefined) return;
  if (startedBy.length > max) throw invalidParameter(`startedBy must be at most ${max} characters, got ${startedBy.length}.`);
  if (!STARTED_BY_PATTERN.test(startedBy)) throw invalidParameter("startedBy may contain only letters, digits, hyphens, forward slashes and underscores.");
}

function readCount(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_RUN_TASK_COUNT) {
    throw invalidParameter(`count must be an integer from 1 to ${MAX_RUN_TASK_COUNT}, got ${JSON.stringify(value)}.`);
  }
  return value as number;
}

/** Docker create options as the ECS agent would set them, with no network and no swap. */
function engineContainerSpec(clusterName: string, task: FakeTask, container: TaskContainer, override: ContainerOverride | undefined): Docker.ContainerCreateOptions {
  const { definition } = container;
  const environment = { ...definition.environment };
  for (const { name, value } of override?.environment ?? []) environment[name] = value;
  const command = override?.command ?? definition.command;
  const memoryBytes = definition.memoryMiB === undefined ? undefined : definition.memoryMiB * 1024 * 1024;
  return {
    name: container.engineName,
    Image: definition.image,
    ...(command ? { Cmd: command } : {}),
    Env: Object.entries(environment).map(([name, value]) => `${name}=${value}`),
    Labels: {
      "com.amazonaws.ecs.cluster": clusterName,
      "com.amazonaws.ecs.container-name": definition.name,
      "com.amazonaws.ecs.task-arn": task.arn,
      "com.amazonaws.ecs.task-definition-family": task.request.definition.family,
      "com.amazonaws.ecs.task-definition-version": String(task.request.definition.revision),
      [FAKE_LABEL]: "true",
    },
    HostConfig: {
      NetworkMode: "none",
      // MemorySwap equal to Memory allows no swap, so a container over its limit is OOM-killed.
      ...(memoryBytes === undefined ? {} : { Memory: memoryBytes, MemorySwap: memoryBytes }),
    },
  };
}

function describeContainer(task: FakeTask, container: TaskContainer, state: EngineState | undefined, taskStatus: WireTask["lastStatus"]): WireContainer {
  const { definition } = container;
  const base = {
    containerArn: container.arn,
    taskArn: task.arn,
    name: definition.name,
    image: definition.image,
    ...(container.engineId ? { runtimeId: container.engineId } : {}),
    networkBindings: [] as [],
    networkInterfaces: [] as [],
    healthStatus: "UNKNOWN" as const,
    cpu: "0",
    ...(definition.memoryMiB === undefined ? {} : { memory: String(definition.memoryMiB) }),
  };
  if (container.failure) return { ...base, lastStatus: "STOPPED", reason: container.failure };
  if (state?.running) return { ...base, lastStatus: "RUNNING" };
  if (state?.exited) {
    return {
      ...base,
      lastStatus: "STOPPED",
      ...(state.exitCode === undefined ? {} : { exitCode: state.exitCode }),
      ...(state.oomKilled ? { reason: OUT_OF_MEMORY_REASON } : {}),
    };
  }
  // Created but never started: pending while the task is, stopped once the task stopped.
  return { ...base, lastStatus: taskStatus === "STOPPED" ? "STOPPED" : "PENDING" };
}

/** Adds the tags that the request passed to RunTask or StartTask when DescribeTasks asked for them with include: ["TAGS"]. */
function withTags(task: WireTask, includeTags: boolean, found: Array<{ task: FakeTask | undefined }>): WireTask {
  if (!includeTags) return task;
  const source = found.find((entry) => entry.task?.arn === task.taskArn)?.task;
  return { ...task, tags: source?.request.tags ?? [] };
}

// NOTE: the text after "failed to resolve ref" is modelled on published Fargate examples. ECS
// words other pull failures (authentication, network) differently.
function cannotPullReason(image: string): string {
  return `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: ${image}: not found`;
}

function requestWithoutToken(body: RequestBody): string {
  const { clientToken: _token, ...rest } = body;
  return JSON.stringify(rest);
}

function parseAction(target: string | string[] | undefined): string {
  if (typeof target !== "string" || !target.startsWith(TARGET_PREFIX)) {
    throw new EcsError("UnknownOperationException", `Missing or unknown X-Amz-Target header ${JSON.stringify(target)}. Expected ${TARGET_PREFIX}<Action>.`);
  }
  return target.slice(TARGET_PREFIX.length);
}

function parseBody(text: string): RequestBody {
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch (error) {
    throw new EcsError("SerializationException", `Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new EcsError("SerializationException", "Request body must be a JSON object.");
  return body as RequestBody;
}

function readText(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = JSON_CONTENT_TYPE): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text),
    "x-amzn-RequestId": randomUUID(),
  });
  response.end(text);
}

function readString(body: RequestBody, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidParameter(`${field} must be a string, got ${JSON.stringify(value)}.`);
  return value;
}

function readStringList(body: RequestBody, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw invalidParameter(`${field} must be a list of strings.`);
  return value as string[];
}

function readObject(body: RequestBody, field: string): Record<string, unknown> | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalidParameter(`${field} must be an object.`);
  return value as Record<string, unknown>;
}

function statusCodeOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}

function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } } | null)?.json;
  return json?.message ?? (error as Error).message;
}
