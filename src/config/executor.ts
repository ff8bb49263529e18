import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./configError.ts";
import { EXECUTOR_SETTINGS } from "./definitions.ts";
import { DEFAULT_DOCKER_ENDPOINT, readDockerConnection, type DockerConnection } from "./dockerConnection.ts";
import { parseDockerTaskDefinition, type DockerTaskDefinition } from "./dockerDefinition.ts";
import { readEcsSettings, type EcsSettings } from "./ecs.ts";
import { readAuthData, type RegistryAuth } from "./registryAuth.ts";
import type { SettingLookup } from "./settings.ts";
import { readBoolean, readChoice } from "./values.ts";

/** Settings of the Docker executor. */
export interface DockerSettings {
  readonly connection: DockerConnection;
  /** The engine address as the user gave it, for messages. */
  readonly endpoint: string;
  readonly containerNameBase: string;
  readonly definition: DockerTaskDefinition;
  readonly pull: "always" | "missing" | "never";
  /** Credentials from DOCKER_AUTH_DATA; the Docker config file is read at pull time when unset. */
  readonly auth?: RegistryAuth;
  /** Folder of the Docker config file, for registry credentials. */
  readonly configDir: string;
  readonly payloadEnv: boolean;
  readonly taskDir: string;
}

/** The executor and its settings. */
export type ExecutorSettings =
  | { readonly kind: "process" }
  | { readonly kind: "docker"; readonly docker: DockerSettings }
  | { readonly kind: "ecs"; readonly ecs: EcsSettings };

/**
 * Chooses the executor. --executor wins; otherwise DOCKER=true selects a
 * container executor and DEPLOY_METHOD picks DOCKER or ECS (ECS when unset),
 * as the Go tool read them.
 */
export function readExecutorKind(lookup: SettingLookup, warnings: string[]): ExecutorSettings["kind"] {
  const flag = lookup.raw("executor");
  if (flag) return readChoice(flag, EXECUTOR_SETTINGS.executor.choices);

  const docker = lookup.environment.DOCKER ? readBoolean({ origin: "DOCKER", text: lookup.environment.DOCKER }) : false;
  const deployMethod = lookup.environment.DEPLOY_METHOD;
  const method = deployMethod ? readChoice({ origin: "DEPLOY_METHOD", text: deployMethod }, ["docker", "ecs"]) : undefined;
  if (!docker) {
    if (method) warnings.push(`DEPLOY_METHOD=${deployMethod} has no effect without DOCKER=true, as in the Go tool; set DOCKER=true or use --executor ${method}`);
    return "process";
  }
  return method ?? "ecs";
}

/** Reads the Docker executor's settings. */
export function readDockerSettings(lookup: SettingLookup): DockerSettings {
  const environment = lookup.environment;
  const endpointValue = lookup.raw("dockerEndpoint") ?? (environment.DOCKER_HOST ? { origin: "DOCKER_HOST", text: environment.DOCKER_HOST } : { origin: "the default Docker endpoint", text: DEFAULT_DOCKER_ENDPOINT });
  const definitionValue = lookup.raw("dockerTaskDefinition");
  if (!definitionValue) {
    throw new ConfigError('missing DOCKER_TASK_DEFINITION: the Docker executor needs at least the image, such as DOCKER_TASK_DEFINITION=\'{"ImageName": "busybox:1.36"}\'');
  }
  const taskDir = lookup.rawOrDefault("dockerTaskDir");
  if (!taskDir.text.startsWith("/") || taskDir.text === "/") {
    throw new ConfigError(`invalid ${taskDir.origin} ${JSON.stringify(taskDir.text)}: expected an absolute folder path other than /, such as /tasque`);
  }
  const nameBase = lookup.rawOrDefault("dockerContainerName");
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(nameBase.text)) {
    throw new ConfigError(`invalid ${nameBase.origin} ${JSON.stringify(nameBase.text)}: container names use letters, digits, _ . and -, starting with a letter or digit`);
  }
  return {
    connection: readDockerConnection(endpointValue, environment),
    endpoint: endpointValue.text,
    containerNameBase: nameBase.text,
    definition: parseDockerTaskDefinition(definitionValue.text),
    pull: readChoice(lookup.rawOrDefault("dockerPull"), EXECUTOR_SETTINGS.dockerPull.choices),
    ...(environment.DOCKER_AUTH_DATA ? { auth: readAuthData(environment.DOCKER_AUTH_DATA) } : {}),
    configDir: environment.DOCKER_CONFIG || join(homedir(), ".docker"),
    payloadEnv: readBoolean(lookup.rawOrDefault("dockerPayloadEnv")),
    taskDir: taskDir.text.replace(/\/+$/, ""),
  };
}

/** Reads the executor and its settings. */
export function readExecutorSettings(lookup: SettingLookup, returnResult: boolean, warnings: string[]): ExecutorSettings {
  const kind = readExecutorKind(lookup, warnings);
  if (kind === "docker") return { kind, docker: readDockerSettings(lookup) };
  if (kind === "ecs") return { kind, ecs: readEcsSettings(lookup, returnResult, warnings) };
  return { kind };
}
