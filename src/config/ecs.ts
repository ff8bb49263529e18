import { regionFromArn } from "../aws/region.ts";
import { ConfigError } from "./configError.ts";
import { ECS_SETTINGS } from "./definitions.ts";
import type { SettingLookup } from "./settings.ts";
import { readChoice, readPositiveDuration, type RawValue } from "./values.ts";

/** One entry of a capacity provider strategy. */
export interface CapacityProviderItem {
  readonly capacityProvider: string;
  readonly weight?: number;
  readonly base?: number;
}

/** RunTask settings, for running tasks on a named cluster. */
export interface ClusterPlacement {
  readonly kind: "cluster";
  readonly cluster: string;
  readonly launchType?: "EC2" | "FARGATE" | "EXTERNAL";
  readonly capacityProviders: readonly CapacityProviderItem[];
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp?: "ENABLED" | "DISABLED";
  readonly platformVersion?: string;
}

/** StartTask on the container instance that runs Tasque, found through the ECS agent. */
export interface InstancePlacement {
  readonly kind: "instance";
  readonly agentUri: string;
}

/** Settings of the ECS executor. */
export interface EcsSettings {
  readonly taskDefinition: string;
  readonly containerName: string;
  readonly placement: ClusterPlacement | InstancePlacement;
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  readonly startedBy: string;
  readonly pollIntervalMs: number;
  /** AWS_REGION, else the region of a cluster or task definition ARN; in the instance mode, the agent's container instance ARN decides later. */
  readonly region?: string;
}

function required(lookup: SettingLookup, name: "ecsTaskDefinition" | "ecsContainerName", example: string): string {
  const value = lookup.raw(name);
  if (!value) throw new ConfigError(`missing ${ECS_SETTINGS[name].variable}: the ECS executor needs it, such as ${ECS_SETTINGS[name].variable}=${example}`);
  return value.text;
}

function list(value: RawValue | undefined): string[] {
  return value ? value.text.split(",").map((item) => item.trim()).filter(Boolean) : [];
}

function readCapacityProviders(value: RawValue | undefined): CapacityProviderItem[] {
  return list(value).map((item) => {
    const [name, weight, base, ...rest] = item.split(":");
    const number = (text: string | undefined) => (text === undefined || text === "" ? undefined : /^\d+$/.test(text) ? Number(text) : Number.NaN);
    const parsed = { weight: number(weight), base: number(base) };
    if (!name || rest.length > 0 || Number.isNaN(parsed.weight) || Number.isNaN(parsed.base)) {
      throw new ConfigError(`invalid ${value!.origin} ${JSON.stringify(value!.text)}: expected name:weight:base entries, such as FARGATE_SPOT:3:0,FARGATE:1:1`);
    }
    return { capacityProvider: name, ...(parsed.weight !== undefined ? { weight: parsed.weight } : {}), ...(parsed.base !== undefined ? { base: parsed.base } : {}) };
  });
}

function readTags(value: RawValue | undefined): Array<{ key: string; value: string }> {
  return list(value).map((item) => {
    const equals = item.indexOf("=");
    if (equals < 1) throw new ConfigError(`invalid ${value!.origin} ${JSON.stringify(value!.text)}: expected key=value entries, such as team=media,env=prod`);
    return { key: item.slice(0, equals), value: item.slice(equals + 1) };
  });
}

function readStartedBy(lookup: SettingLookup): string {
  const value = lookup.rawOrDefault("ecsStartedBy");
  if (!/^[a-zA-Z0-9_-]{1,36}$/.test(value.text)) {
    throw new ConfigError(`invalid ${value.origin} ${JSON.stringify(value.text)}: ECS allows up to 36 letters, digits, _ and -; use a value such as tasque-worker`);
  }
  return value.text;
}

function readClusterPlacement(lookup: SettingLookup, cluster: string): ClusterPlacement {
  const launchType = lookup.raw("ecsLaunchType");
  const providers = readCapacityProviders(lookup.raw("ecsCapacityProviders"));
  if (launchType && providers.length > 0) {
    throw new ConfigError("ECS_LAUNCH_TYPE and ECS_CAPACITY_PROVIDERS both set: RunTask takes one or the other; unset one of them");
  }
  const subnets = list(lookup.raw("ecsSubnets"));
  const assignPublicIp = lookup.raw("ecsAssignPublicIp");
  const platformVersion = lookup.raw("ecsPlatformVersion");
  const placement: ClusterPlacement = {
    kind: "cluster",
    cluster,
    capacityProviders: providers,
    subnets,
    securityGroups: list(lookup.raw("ecsSecurityGroups")),
    ...(launchType ? { launchType: readChoice(launchType, ECS_SETTINGS.ecsLaunchType.choices) } : {}),
    ...(assignPublicIp ? { assignPublicIp: readChoice(assignPublicIp, ECS_SETTINGS.ecsAssignPublicIp.choices) } : {}),
    ...(platformVersion ? { platformVersion: platformVersion.text } : {}),
  };
  if (placement.launchType === "FARGATE" && subnets.length === 0) {
    throw new ConfigError("ECS_LAUNCH_TYPE=FARGATE needs ECS_SUBNETS: Fargate tasks use awsvpc networking; give subnet ids such as ECS_SUBNETS=subnet-0abc,subnet-0def");
  }
  return placement;
}

const RUN_TASK_ONLY = ["ecsLaunchType", "ecsCapacityProviders", "ecsSubnets", "ecsSecurityGroups", "ecsAssignPublicIp", "ecsPlatformVersion"] as const;

/** Reads the ECS executor's settings. RETURN_RESULT is rejected, because Tasque cannot read an ECS task's output. */
export function readEcsSettings(lookup: SettingLookup, returnResult: boolean, warnings: string[]): EcsSettings {
  if (returnResult) {
    throw new ConfigError("RETURN_RESULT cannot be used with the ECS executor: Tasque cannot read an ECS task's output; unset RETURN_RESULT, or use DEPLOY_METHOD=DOCKER");
  }
  const taskDefinition = required(lookup, "ecsTaskDefinition", "resize:3");
  const containerName = required(lookup, "ecsContainerName", "worker");
  const cluster = lookup.raw("ecsCluster")?.text;
  if (!cluster) {
    const ignored = RUN_TASK_ONLY.filter((name) => lookup.raw(name)).map((name) => ECS_SETTINGS[name].variable);
    if (ignored.length > 0) warnings.push(`${ignored.join(", ")} apply only to RunTask and are ignored without ECS_CLUSTER`);
  }
  const placement = cluster ? readClusterPlacement(lookup, cluster) : { kind: "instance" as const, agentUri: lookup.rawOrDefault("ecsAgentUri").text };
  const region = lookup.environment.AWS_REGION || regionFromArn(cluster ?? "") || regionFromArn(taskDefinition);
  return {
    taskDefinition,
    containerName,
    placement,
    tags: readTags(lookup.raw("ecsTags")),
    startedBy: readStartedBy(lookup),
    pollIntervalMs: readPositiveDuration(lookup.rawOrDefault("ecsPollInterval")),
    ...(region ? { region } : {}),
  };
}
