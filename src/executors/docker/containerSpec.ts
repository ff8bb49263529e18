import type { ContainerCreateOptions } from "dockerode";
import type { DockerSettings } from "../../config/executor.ts";
import type { DockerTaskDefinition } from "../../config/dockerDefinition.ts";
import type { Task } from "../../sources/source.ts";

/** Labels on every container Tasque starts, so that its containers can be found and cleaned up. */
export const MANAGED_LABEL = "tasque.managed";
export const TASK_ID_LABEL = "tasque.task-id";

/** Maximum length of the container names Tasque builds; Docker accepts longer ones, but they are hard to read in `docker ps`. */
const MAX_NAME_LENGTH = 128;

/** Returns the container name of a task: the base, a dash and the task id with characters Docker rejects replaced. */
export function containerName(base: string, taskId: string): string {
  return `${base}-${taskId.replace(/[^a-zA-Z0-9_.-]/g, "-")}`.slice(0, MAX_NAME_LENGTH);
}

/** Returns whether the task folder can be written before the container starts: not under a read-only root or a tmpfs. */
export function canWriteTaskFolder(definition: DockerTaskDefinition, taskDir: string): boolean {
  const covering = definition.mounts
    .filter((mount) => taskDir === mount.Target || taskDir.startsWith(`${mount.Target.replace(/\/+$/, "")}/`))
    .sort((a, b) => b.Target.length - a.Target.length)[0];
  if (covering) return covering.Type !== "tmpfs" && !covering.ReadOnly;
  return !definition.readonlyRootfs;
}

/** Builds the Engine API's create request for one task. */
export function containerSpec(
  settings: DockerSettings,
  task: Task,
  command: readonly string[],
  variables: Readonly<Record<string, string>>,
): ContainerCreateOptions {
  const { definition } = settings;
  let cmd: string[] | undefined = definition.cmd ? [...definition.cmd] : undefined;
  if (command.length > 0) cmd = [...command];
  const taskEnv = Object.entries(variables).map(([name, value]) => `${name}=${value}`);
  const taskNames = new Set(Object.keys(variables));
  const definitionEnv = definition.env.filter((entry) => !taskNames.has(entry.slice(0, entry.indexOf("="))));
  return {
    name: containerName(settings.containerNameBase, task.id),
    Image: definition.imageName,
    ...(cmd ? { Cmd: cmd } : {}),
    ...(definition.entrypoint ? { Entrypoint: [...definition.entrypoint] } : {}),
    Env: [...definitionEnv, ...taskEnv],
    ...(definition.workingDir ? { WorkingDir: definition.workingDir } : {}),
    ...(definition.user ? { User: definition.user } : {}),
    ...(definition.macAddress ? { MacAddress: definition.macAddress } : {}),
    Labels: { ...definition.labels, [MANAGED_LABEL]: "true", [TASK_ID_LABEL]: task.id },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      ...(definition.memoryBytes ? { Memory: definition.memoryBytes } : {}),
      ...(definition.nanoCpus ? { NanoCpus: definition.nanoCpus } : {}),
      ...(definition.cpuShares ? { CpuShares: definition.cpuShares } : {}),
      ...(definition.networkMode ? { NetworkMode: definition.networkMode } : {}),
      Mounts: definition.mounts.map((mount) => ({ ...mount, Source: mount.Source ?? "" })),
      ReadonlyRootfs: definition.readonlyRootfs,
    },
  };
}
