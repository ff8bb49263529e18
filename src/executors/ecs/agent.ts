import { ConfigError } from "../../config/configError.ts";

/** Time allowed for the ECS agent's introspection API to respond. */
const AGENT_TIMEOUT_MS = 5000;

/** The container instance this Tasque runs on, as the ECS agent reports it. */
export interface ContainerInstance {
  readonly cluster: string;
  readonly containerInstanceArn: string;
}

/**
 * Reads the cluster and container instance from the ECS agent's
 * introspection API (GET /v1/metadata). Failures are configuration errors,
 * because without them no task can be started on this instance.
 */
export async function readContainerInstance(agentUri: string): Promise<ContainerInstance> {
  const url = `${agentUri.replace(/\/+$/, "")}/v1/metadata`;
  const hint = "run Tasque on an ECS container instance, set ECS_AGENT_URI, or set ECS_CLUSTER to start tasks with RunTask";
  let metadata: { Cluster?: unknown; ContainerInstanceArn?: unknown };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(AGENT_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    metadata = (await response.json()) as typeof metadata;
  } catch (error) {
    throw new ConfigError(`cannot read the ECS agent's metadata at ${url}: ${(error as Error).message}; ${hint}`);
  }
  if (typeof metadata.Cluster !== "string" || typeof metadata.ContainerInstanceArn !== "string") {
    throw new ConfigError(`the ECS agent at ${url} reported no cluster or container instance (is the instance registered?); ${hint}`);
  }
  return { cluster: metadata.Cluster, containerInstanceArn: metadata.ContainerInstanceArn };
}
