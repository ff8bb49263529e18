import type { ECSClient } from "@aws-sdk/client-ecs";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { ConfigError } from "../config/configError.ts";
import type { Logger } from "../log/logger.ts";

/** Maximum wait for a TCP connection to an AWS endpoint. */
const CONNECTION_TIMEOUT_MS = 5000;
/** HTTP timeout of SQS calls: above the 20-second long poll. */
const SQS_REQUEST_TIMEOUT_MS = 30_000;
/** HTTP timeout of Step Functions calls: above GetActivityTask's 60-second long poll, as AWS advises (at least 65 s). */
const SFN_REQUEST_TIMEOUT_MS = 70_000;
/** HTTP timeout of ECS calls, none of which long-polls. */
const ECS_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Returns a logger for an SDK client that passes the SDK's text warnings,
 * such as a queue URL that differs from the endpoint, to Tasque's log once
 * each. The SDK's other messages are dropped: its request logs contain the
 * call's input, which can hold payloads and results, and Tasque logs every
 * failed call itself.
 */
function sdkLogger(log: Logger) {
  const seen = new Set<string>();
  const warn = (...content: unknown[]) => {
    if (!content.every((part) => typeof part === "string")) return;
    const message = content.join(" ");
    if (seen.has(message) || seen.size > 100) return;
    seen.add(message);
    log.warn({ component: "aws-sdk" }, message);
  };
  const ignore = () => undefined;
  return { trace: ignore, debug: ignore, info: ignore, warn, error: ignore };
}

/** Returns the client settings all of Tasque's AWS clients share. */
function commonOptions(region: string | undefined, log: Logger, requestTimeoutMs: number) {
  return {
    logger: sdkLogger(log),
    ...(region ? { region } : {}),
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: requestTimeoutMs },
  };
}

/** Checks that the SDK can resolve a region, so that a missing one stops Tasque at start-up with a clear message. */
async function requireRegion(config: { region: () => Promise<string> }, service: string): Promise<void> {
  try {
    await config.region();
  } catch {
    throw new ConfigError(`no AWS region for ${service}: set AWS_REGION, such as AWS_REGION=us-east-1`);
  }
}

/**
 * Creates the SQS client. When an endpoint is set, every call goes there;
 * otherwise the SDK sends each call to the host named in the queue URL.
 */
export async function createSqsClient(region: string | undefined, endpoint: string | undefined, log: Logger): Promise<SQSClient> {
  const { SQSClient } = await import("@aws-sdk/client-sqs");
  const client = new SQSClient({
    ...commonOptions(region, log, SQS_REQUEST_TIMEOUT_MS),
    ...(endpoint ? { endpoint, useQueueUrlAsEndpoint: false } : {}),
  });
  await requireRegion(client.config, "SQS");
  return client;
}

/** Creates the Step Functions client; its endpoint comes from the SDK's AWS_ENDPOINT_URL_SFN or AWS_ENDPOINT_URL. */
export async function createSfnClient(region: string | undefined, log: Logger): Promise<SFNClient> {
  const { SFNClient } = await import("@aws-sdk/client-sfn");
  const client = new SFNClient(commonOptions(region, log, SFN_REQUEST_TIMEOUT_MS));
  await requireRegion(client.config, "Step Functions");
  return client;
}

/** Creates the ECS client; its endpoint comes from the SDK's AWS_ENDPOINT_URL_ECS or AWS_ENDPOINT_URL. */
export async function createEcsClient(region: string | undefined, log: Logger): Promise<ECSClient> {
  const { ECSClient } = await import("@aws-sdk/client-ecs");
  const client = new ECSClient(commonOptions(region, log, ECS_REQUEST_TIMEOUT_MS));
  await requireRegion(client.config, "ECS");
  return client;
}
