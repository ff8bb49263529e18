import { regionFromArn, regionFromQueueUrl } from "../aws/region.ts";
import { ConfigError } from "./configError.ts";
import { SOURCE_SETTINGS, SOURCE_VARIABLES } from "./definitions.ts";
import type { SettingLookup } from "./settings.ts";
import type { RawValue } from "./values.ts";

/** A payload given as text or as a file to read ("-" for Tasque's stdin). */
export type PayloadInput =
  | { readonly kind: "payload"; readonly origin: string; readonly payload: string }
  | { readonly kind: "payloadFile"; readonly origin: string; readonly path: string };

/** Source of the tasks, as the settings name it. */
export type SourceSettings =
  /** One task with a given payload. */
  | PayloadInput
  /** One task for a Step Functions task token; the input is empty when none was given. */
  | { readonly kind: "taskToken"; readonly origin: string; readonly taskToken: string; readonly input?: PayloadInput; readonly region?: string }
  /** An SQS queue; `endpoint` is AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL, which then receives every SQS call. */
  | { readonly kind: "queue"; readonly origin: string; readonly queueUrl: string; readonly region?: string; readonly endpoint?: string }
  | { readonly kind: "activity"; readonly origin: string; readonly activityArn: string; readonly region?: string };

/** Sources that run exactly one task and exit with its exit code. */
export function isSingleTaskSource(source: SourceSettings): boolean {
  return source.kind === "payload" || source.kind === "payloadFile" || source.kind === "taskToken";
}

const SOURCE_FLAGS = Object.values(SOURCE_SETTINGS).map((definition) => `--${definition.flag}`);
/** An ARN of a Step Functions activity: arn:PARTITION:states:REGION:ACCOUNT:activity:NAME. */
const ACTIVITY_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d+:activity:[^:\s]+$/;

/**
 * Chooses the source. A source flag wins over source variables, and among
 * variables the first set in SOURCE_VARIABLES wins, as in the Go tool. A task
 * token takes its input from the payload settings.
 */
export function readSource(lookup: SettingLookup): SourceSettings {
  const flagged = flaggedSources(lookup);
  if (flagged.length > 1) {
    throw new ConfigError(`${flagged.join(" and ")} each name a task source; give only one`);
  }
  const chosen = flagged.length === 1 ? flagged[0]! : firstSourceVariable(lookup);
  if (chosen === undefined) throw new ConfigError(missingSourceMessage());
  return buildSource(chosen, lookup);
}

type SourceName = "taskToken" | "payload" | "payloadFile" | "queueUrl" | "activityArn";

/** Returns the source flags on the command line; --task-token with a payload flag is one source, the token's input. */
function flaggedSources(lookup: SettingLookup): string[] {
  const present = (["taskToken", "payload", "payloadFile", "queueUrl", "activityArn"] as const).filter((name) => typeof lookup.flags[name] === "string");
  const hasToken = present.includes("taskToken");
  return present.filter((name) => !(hasToken && (name === "payload" || name === "payloadFile"))).map((name) => `--${SOURCE_SETTINGS[name].flag}`);
}

function firstSourceVariable(lookup: SettingLookup): string | undefined {
  const variable = SOURCE_VARIABLES.find((name) => lookup.environment[name]);
  return variable;
}

function nameOf(chosen: string): SourceName {
  const entry = Object.entries(SOURCE_SETTINGS).find(([, definition]) => `--${definition.flag}` === chosen || ("variable" in definition && definition.variable === chosen));
  return entry![0] as SourceName;
}

function buildSource(chosen: string, lookup: SettingLookup): SourceSettings {
  const name = nameOf(chosen);
  const fromFlag = chosen.startsWith("--");
  const value = fromFlag ? { origin: chosen, text: String(lookup.flags[name]) } : lookup.raw(name)!;
  switch (name) {
    case "payload":
      return { kind: "payload", origin: value.origin, payload: value.text };
    case "payloadFile":
      return payloadFile(value);
    case "taskToken":
      return taskToken(value, lookup);
    case "queueUrl":
      return queue(value, lookup);
    case "activityArn":
      return activity(value, lookup);
  }
}

function payloadFile(value: RawValue): PayloadInput {
  if (value.text === "") throw new ConfigError(`invalid ${value.origin} "": expected a file name, or - for stdin`);
  return { kind: "payloadFile", origin: value.origin, path: value.text };
}

function taskToken(value: RawValue, lookup: SettingLookup): SourceSettings {
  const file = lookup.flags.payloadFile;
  const payload = lookup.raw("payload");
  const input: PayloadInput | undefined =
    typeof file === "string" ? payloadFile({ origin: "--payload-file", text: file }) : payload ? { kind: "payload", origin: payload.origin, payload: payload.text } : undefined;
  const region = lookup.environment.AWS_REGION;
  return { kind: "taskToken", origin: value.origin, taskToken: value.text, ...(input ? { input } : {}), ...(region ? { region } : {}) };
}

function queue(value: RawValue, lookup: SettingLookup): SourceSettings {
  let url: URL | undefined;
  try {
    url = new URL(value.text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.pathname.split("/").filter(Boolean).length < 2) {
    throw new ConfigError(`invalid ${value.origin} ${JSON.stringify(value.text)}: not an SQS queue URL; use the queue's URL, such as https://sqs.us-east-1.amazonaws.com/123456789012/jobs`);
  }
  const region = lookup.environment.AWS_REGION || regionFromQueueUrl(value.text);
  const endpoint = lookup.environment.AWS_ENDPOINT_URL_SQS || lookup.environment.AWS_ENDPOINT_URL;
  return { kind: "queue", origin: value.origin, queueUrl: value.text, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}

function activity(value: RawValue, lookup: SettingLookup): SourceSettings {
  if (!ACTIVITY_ARN.test(value.text)) {
    throw new ConfigError(`invalid ${value.origin} ${JSON.stringify(value.text)}: not an activity ARN; use one such as arn:aws:states:us-east-1:123456789012:activity:resize`);
  }
  const region = lookup.environment.AWS_REGION || regionFromArn(value.text);
  return { kind: "activity", origin: value.origin, activityArn: value.text, ...(region ? { region } : {}) };
}

/** Builds the message for a run with no source, naming every source variable and flag. */
export function missingSourceMessage(): string {
  return [
    "no task source: set one of the variables " + SOURCE_VARIABLES.join(", "),
    `or give one of the flags ${SOURCE_FLAGS.join(", ")}.`,
    "Usage: tasque [options] [--] COMMAND [ARGS...]   (tasque --help lists every option)",
  ].join("\n");
}
