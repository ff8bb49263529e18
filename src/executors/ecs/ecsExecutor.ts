import {
  DescribeTaskDefinitionCommand,
  RunTaskCommand,
  StartTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type RunTaskCommandOutput,
  type Task as EcsTask,
  type TaskOverride,
} from "@aws-sdk/client-ecs";
import { awsErrorCode, isCredentialError } from "../../aws/awsErrors.ts";
import { retryTransient } from "../../aws/backoff.ts";
import type { ClusterPlacement, EcsSettings } from "../../config/ecs.ts";
import type { Logger } from "../../log/logger.ts";
import type { RunReport } from "../../outcome/outcome.ts";
import type { Task } from "../../sources/source.ts";
import { formatDuration } from "../../util/formatDuration.ts";
import type { Executor } from "../executor.ts";
import type { StopRequest, StopSignal } from "../stop.ts";
import type { ContainerInstance } from "./agent.ts";
import { buildOverrides, MAX_OVERRIDES_CHARS, overridesLength } from "./overrides.ts";
import { failureKeyForReason } from "./startFailure.ts";
import { TaskTracker } from "./taskTracker.ts";

/** Calls made for RunTask, StartTask or StopTask before giving up on throttling and server errors. */
const CALL_ATTEMPTS = 4;
/** Maximum wait for a task to reach STOPPED after StopTask on a timeout; ECS's container stop timeout is at most 120 s. */
const STOP_WAIT_MS = 150_000;

type RunOutcome = Omit<RunReport, "durationMs">;

/** ECS errors that retrying the same request cannot fix. */
const PERMANENT_ERRORS = new Set([
  "InvalidParameterException",
  "ClientException",
  "ClusterNotFoundException",
  "PlatformUnknownException",
  "PlatformTaskDefinitionIncompatibilityException",
  "UnsupportedFeatureException",
]);

/** Placement of new tasks: a named cluster (RunTask) or this container instance (StartTask). */
export type ResolvedPlacement = ClusterPlacement | ({ kind: "instance" } & ContainerInstance);

/** Returns whether an ECS error may go away by itself. */
function isTransient(error: unknown): boolean {
  const code = awsErrorCode(error);
  return !isCredentialError(error) && !PERMANENT_ERRORS.has(code);
}

/** Starts one Amazon ECS task per Tasque task and follows it to its end. */
export class EcsExecutor implements Executor {
  readonly name = "ecs";
  readonly #tracker: TaskTracker;

  constructor(
    private readonly client: ECSClient,
    private readonly settings: EcsSettings,
    private readonly placement: ResolvedPlacement,
    private readonly command: readonly string[],
    log: Logger,
  ) {
    this.#tracker = new TaskTracker(client, settings.pollIntervalMs, log);
  }

  /** Warns when the task definition has no container named ECS_CONTAINER_NAME, the usual cause of InvalidParameterException. */
  async checkTaskDefinition(log: Logger): Promise<void> {
    try {
      const answer = await this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: this.settings.taskDefinition }));
      const names = answer.taskDefinition?.containerDefinitions?.map((container) => container.name) ?? [];
      if (!names.includes(this.settings.containerName)) {
        log.warn({ taskDefinition: this.settings.taskDefinition, containers: names }, `task definition has no container named ${this.settings.containerName}; check ECS_CONTAINER_NAME`);
      }
    } catch (error) {
      log.warn({ code: awsErrorCode(error) }, "could not check ECS_CONTAINER_NAME against the task definition (ecs:DescribeTaskDefinition)");
    }
  }

  async run(task: Task, stop: StopSignal, log: Logger): Promise<RunReport> {
    const startedAt = performance.now();
    const outcome = await this.#run(task, stop, log);
    return { ...outcome, durationMs: performance.now() - startedAt };
  }

  async #run(task: Task, stop: StopSignal, log: Logger): Promise<RunOutcome> {
    const overrides = buildOverrides(this.settings.containerName, task, this.command);
    const length = overridesLength(overrides);
    if (length > MAX_OVERRIDES_CHARS) {
      const detail = `the ECS overrides would be ${length} characters of JSON, over ECS's limit of ${MAX_OVERRIDES_CHARS}; the payload is too large to pass to an ECS task (send a reference to the data instead)`;
      return failure("PARAMETER", detail);
    }
    if (stop.request) return failure("UNKNOWN", "stopped before the ECS task started");

    const started = await this.#start(overrides, log);
    if (started.failed) return started.failed;
    return this.#follow(started.task, stop, log);
  }

  async #start(overrides: TaskOverride, log: Logger): Promise<{ task: EcsTask; failed?: undefined } | { failed: RunOutcome }> {
    const action = this.placement.kind === "cluster" ? "RunTask" : "StartTask";
    let answer: RunTaskCommandOutput;
    try {
      answer = await retryTransient(() => this.client.send(this.#startCommand(overrides) as RunTaskCommand), { attempts: CALL_ATTEMPTS, isTransient, action, log });
    } catch (error) {
      return { failed: this.#startError(error, action) };
    }
    const placementFailure = answer.failures?.[0];
    if (placementFailure || !answer.tasks?.[0]) {
      const reason = placementFailure?.reason ?? "no task and no failure in the answer";
      const detail = `${action} failed: ${reason}${placementFailure?.detail ? ` (${placementFailure.detail})` : ""}`;
      return { failed: failure(failureKeyForReason(reason), detail, detail) };
    }
    const ecsTask = answer.tasks[0];
    log.info({ taskArn: ecsTask.taskArn, cluster: this.#cluster() }, "ECS task started");
    return { task: ecsTask };
  }

  #startCommand(overrides: TaskOverride): RunTaskCommand | StartTaskCommand {
    const { taskDefinition, startedBy, tags } = this.settings;
    const common = { taskDefinition, startedBy, overrides, ...(tags.length > 0 ? { tags: [...tags] } : {}) };
    if (this.placement.kind === "instance") {
      return new StartTaskCommand({ ...common, cluster: this.placement.cluster, containerInstances: [this.placement.containerInstanceArn] });
    }
    const placement = this.placement;
    const awsvpc = placement.subnets.length > 0 || placement.securityGroups.length > 0;
    return new RunTaskCommand({
      ...common,
      cluster: placement.cluster,
      count: 1,
      ...(placement.launchType ? { launchType: placement.launchType } : {}),
      ...(placement.capacityProviders.length > 0 ? { capacityProviderStrategy: placement.capacityProviders.map((item) => ({ ...item })) } : {}),
      ...(placement.platformVersion ? { platformVersion: placement.platformVersion } : {}),
      ...(awsvpc
        ? {
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: [...placement.subnets],
                securityGroups: [...placement.securityGroups],
                ...(placement.assignPublicIp ? { assignPublicIp: placement.assignPublicIp } : {}),
              },
            },
          }
        : {}),
    });
  }

  #startError(error: unknown, action: string): RunOutcome {
    const code = awsErrorCode(error);
    const message = (error as Error).message;
    if (code === "InvalidParameterException") {
      const detail = `ECS rejected ${action}: ${message} (a wrong ECS_CONTAINER_NAME is the usual cause)`;
      return failure("PARAMETER", detail, message);
    }
    return failure("UNKNOWN", `${action} failed: ${code}: ${message}`, message);
  }

  #cluster(): string {
    return this.placement.cluster;
  }

  /** Follows the ECS task to STOPPED; a stop request calls StopTask and waits for the task to stop, bounded by the request's grace. */
  async #follow(ecsTask: EcsTask, stop: StopSignal, log: Logger): Promise<RunOutcome> {
    const taskArn = ecsTask.taskArn!;
    const giveUp = new AbortController();
    let giveUpTimer: NodeJS.Timeout | undefined;
    const unsubscribe = stop.onRequest((request) => {
      void this.#stopTask(taskArn, request, log);
      clearTimeout(giveUpTimer);
      const waitMs = request.reason === "shutdown" ? request.graceMs : STOP_WAIT_MS;
      giveUpTimer = setTimeout(() => giveUp.abort(new Error(`the ECS task did not stop within ${formatDuration(waitMs)} of StopTask`)), waitMs);
    });
    try {
      const stopped = await this.#tracker.follow(this.#cluster(), taskArn, giveUp.signal, (status) => log.info({ taskArn }, `ECS task ${status}`));
      return this.#outcomeOf(stopped, log);
    } catch (error) {
      return failure("UNKNOWN", `following ECS task ${taskArn} failed: ${(error as Error).message}`);
    } finally {
      unsubscribe();
      clearTimeout(giveUpTimer);
    }
  }

  async #stopTask(taskArn: string, request: StopRequest, log: Logger): Promise<void> {
    const reason = `Tasque: ${request.detail ?? request.reason}`.slice(0, 255);
    try {
      await retryTransient(() => this.client.send(new StopTaskCommand({ cluster: this.#cluster(), task: taskArn, reason })), {
        attempts: CALL_ATTEMPTS,
        isTransient,
        action: "StopTask",
        log,
      });
      log.info({ taskArn, reason }, "ECS task stopping");
    } catch (error) {
      log.error({ err: error, code: awsErrorCode(error), taskArn }, "StopTask failed; the ECS task may keep running");
    }
  }

  /** Turns a STOPPED task into an outcome: the exit code of ECS_CONTAINER_NAME, MEMORY for an out-of-memory stop, UNKNOWN without an exit code. */
  #outcomeOf(ecsTask: EcsTask, log: Logger): RunOutcome {
    const container = ecsTask.containers?.find((candidate) => candidate.name === this.settings.containerName);
    const reasons = [ecsTask.stoppedReason, container?.reason].filter((reason): reason is string => Boolean(reason)).join("; ");
    if (reasons) log.info({ stopCode: ecsTask.stopCode }, `ECS task stopped: ${reasons}`);
    if (!container) return failure("UNKNOWN", `the ECS task has no container named ${this.settings.containerName}`, reasons);
    if (container.reason?.startsWith("OutOfMemoryError")) {
      return { exitCode: container.exitCode ?? null, signal: null, failureKey: "MEMORY", detail: `the container ran out of memory: ${container.reason}`, stderrTail: reasons };
    }
    if (container.exitCode === undefined || container.exitCode === null) {
      return failure("UNKNOWN", `container ${container.name} stopped without an exit code: ${reasons || "no reason given"}`, reasons);
    }
    return { exitCode: container.exitCode, signal: null, stderrTail: reasons };
  }
}

function failure(failureKey: string, detail: string, output = ""): RunOutcome {
  return { exitCode: null, signal: null, failureKey, detail, stderrTail: output };
}
