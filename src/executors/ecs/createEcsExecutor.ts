import { createEcsClient } from "../../aws/clients.ts";
import { regionFromArn } from "../../aws/region.ts";
import type { EcsSettings } from "../../config/ecs.ts";
import type { Logger } from "../../log/logger.ts";
import { readContainerInstance } from "./agent.ts";
import { EcsExecutor, type ResolvedPlacement } from "./ecsExecutor.ts";

/**
 * Creates the ECS executor: finds this container instance through the ECS
 * agent when no cluster is set, and checks ECS_CONTAINER_NAME against the
 * task definition.
 */
export async function createEcsExecutor(settings: EcsSettings, command: readonly string[], log: Logger): Promise<EcsExecutor> {
  let placement: ResolvedPlacement;
  if (settings.placement.kind === "cluster") {
    placement = settings.placement;
  } else {
    const instance = await readContainerInstance(settings.placement.agentUri);
    log.info({ cluster: instance.cluster, containerInstance: instance.containerInstanceArn }, "starting ECS tasks on this container instance");
    placement = { kind: "instance", ...instance };
  }
  const instanceRegion = placement.kind === "instance" ? regionFromArn(placement.containerInstanceArn) : undefined;
  const client = await createEcsClient(settings.region ?? instanceRegion, log);
  const executor = new EcsExecutor(client, settings, placement, command, log);
  await executor.checkTaskDefinition(log);
  return executor;
}
