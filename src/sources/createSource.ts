import type { Writable } from "node:stream";
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log/logger.ts";
import type { FailureDescriber } from "../outcome/failureReport.ts";
import { loadPayload, PayloadSource } from "./payloadSource.ts";
import type { Source } from "./source.ts";

/** A source with the result limit of the service it reports to. */
export interface CreatedSource {
  readonly source: Source;
  /** Largest result in UTF-8 bytes the service accepts; unlimited when undefined. */
  readonly maxResultBytes?: number;
}

/** Process resources and services the sources use. */
export interface SourceContext {
  readonly log: Logger;
  readonly describer: FailureDescriber;
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: Writable;
}

/** Creates the configured source. The AWS SDK is loaded only for the sources that use it. */
export async function createSource(settings: Settings, context: SourceContext): Promise<CreatedSource> {
  const { source } = settings;
  switch (source.kind) {
    case "payload":
    case "payloadFile":
      return { source: new PayloadSource(await loadPayload(source, context.stdin), context.stdout) };
    case "queue": {
      const { createSqsClient } = await import("../aws/clients.ts");
      const { SqsSource, LONG_POLL_SEC } = await import("./sqs/sqsSource.ts");
      const client = await createSqsClient(source.region, source.endpoint, context.log);
      // A one-second wait separates "empty" from "nothing yet" for --stop-when-empty, because a zero wait can miss messages.
      const waitTimeSec = settings.stopWhenEmpty ? 1 : LONG_POLL_SEC;
      return {
        source: await SqsSource.open({
          client,
          queueUrl: source.queueUrl,
          heartbeatMs: settings.heartbeatMs,
          waitTimeSec,
          log: context.log,
          ...(settings.retryDelayMs !== undefined ? { retryDelayMs: settings.retryDelayMs } : {}),
        }),
      };
    }
    case "activity":
    case "taskToken":
      return createStepFunctionsSource(settings, source, context);
  }
}

async function createStepFunctionsSource(
  settings: Settings,
  source: Extract<Settings["source"], { kind: "activity" | "taskToken" }>,
  context: SourceContext,
): Promise<CreatedSource> {
  const { createSfnClient } = await import("../aws/clients.ts");
  const { StepFunctionsReporter, MAX_OUTPUT_BYTES } = await import("./stepfunctions/stepFunctionsReporter.ts");
  const client = await createSfnClient(source.region, context.log);
  const reporter = new StepFunctionsReporter(client, context.describer, context.log);

  if (source.kind === "activity") {
    const { ActivitySource } = await import("./stepfunctions/activitySource.ts");
    const activity = new ActivitySource({ client, activityArn: source.activityArn, reporter, heartbeatMs: settings.heartbeatMs, log: context.log });
    return { source: activity, maxResultBytes: MAX_OUTPUT_BYTES };
  }
  const { TaskTokenSource } = await import("./stepfunctions/taskTokenSource.ts");
  if (!source.input) context.log.warn("TASK_TOKEN is set but TASK_PAYLOAD is not; the job gets an empty payload");
  const payload = source.input ? await loadPayload(source.input, context.stdin) : "";
  return { source: new TaskTokenSource(source.taskToken, payload, reporter, settings.heartbeatMs), maxResultBytes: MAX_OUTPUT_BYTES };
}
