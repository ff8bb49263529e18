import type { LogFormat, LogLevel } from "../log/logger.ts";
import { DEFAULT_ERROR_TEMPLATE, TEMPLATE_FIELDS } from "../outcome/failureReport.ts";
import { compileTemplate, TemplateError, type CompiledTemplate } from "../outcome/template.ts";
import { ConfigError } from "./configError.ts";
import { LOG_SETTINGS, SETTINGS, type SettingName } from "./definitions.ts";
import { readErrorNames } from "./errorNames.ts";
import { readExecutorSettings, type ExecutorSettings } from "./executor.ts";
import { readSource, type SourceSettings } from "./source.ts";
import { MAX_VISIBILITY_SEC } from "../sources/sqs/visibility.ts";
import { readBoolean, readChoice, readCount, readDuration, readPositiveDuration, type RawValue } from "./values.ts";

/** Everything Tasque needs to run, read and checked once at start-up. */
export interface Settings {
  readonly source: SourceSettings;
  readonly executor: ExecutorSettings;
  /** The job's program and arguments; empty only for executors that do not need one. */
  readonly command: readonly string[];
  /** Time limit of one task in milliseconds; 0 means none. */
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly shutdownGraceMs: number;
  readonly returnResult: boolean;
  /** Time between heartbeats of a running task. */
  readonly heartbeatMs: number;
  /** How long a failed SQS message stays invisible; the queue's visibility timeout decides when undefined. */
  readonly retryDelayMs?: number;
  readonly concurrency: number;
  /** Run one task from a queue or activity and exit with its exit code. */
  readonly once: boolean;
  readonly maxTasks?: number;
  readonly stopWhenEmpty: boolean;
  /** Translations of failure keys, from `EXIT_<key>` and `--exit`. */
  readonly errorNames: ReadonlyMap<string, string>;
  readonly errorTemplate: CompiledTemplate;
  readonly logFormat: LogFormat;
  readonly logLevel: LogLevel;
  /** Problems that do not stop Tasque, logged once the logger exists. */
  readonly warnings: readonly string[];
}

/** Flag values by setting name, as the command-line parser returns them. */
export type FlagValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** Looks up settings: a flag wins over its variable, and an empty variable counts as unset. */
export class SettingLookup {
  constructor(
    readonly flags: FlagValues,
    readonly environment: NodeJS.ProcessEnv,
  ) {}

  /** Returns the raw value of a setting, or undefined when neither its flag nor its variable is set. */
  raw(name: SettingName): RawValue | undefined {
    const definition = SETTINGS[name];
    const flagValue = this.flags[name];
    if (flagValue === true) return { origin: `--${definition.flag}`, text: "true" };
    if (flagValue === false) return { origin: `--no-${definition.flag}`, text: "false" };
    if (typeof flagValue === "string") return { origin: `--${definition.flag}`, text: flagValue };
    const variable = "variable" in definition ? definition.variable : undefined;
    const text = variable ? this.environment[variable] : undefined;
    return variable && text ? { origin: variable, text } : undefined;
  }

  /** Returns a setting's raw value, falling back to its default text. */
  rawOrDefault(name: SettingName): RawValue {
    const definition = SETTINGS[name];
    const defaultText = "defaultText" in definition ? definition.defaultText : "";
    return this.raw(name) ?? { origin: `the default of --${definition.flag}`, text: defaultText };
  }
}

/** Reads and checks every setting. Throws ConfigError naming the flag or variable, the value and the fix. */
export function readSettings(flags: FlagValues, command: readonly string[], environment: NodeJS.ProcessEnv): Settings {
  const lookup = new SettingLookup(flags, environment);
  const warnings: string[] = [];
  const source = readSource(lookup);
  const returnResult = readBoolean(lookup.rawOrDefault("returnResult"));
  const executor = readExecutorSettings(lookup, returnResult, warnings);
  if (command.length === 0 && executor.kind === "process") {
    throw new ConfigError("missing COMMAND: name the program to run for each task, such as: tasque node worker.js");
  }

  return {
    source,
    executor,
    command,
    timeoutMs: readDuration(lookup.rawOrDefault("timeout")),
    killGraceMs: readDuration(lookup.rawOrDefault("killGrace")),
    shutdownGraceMs: readDuration(lookup.rawOrDefault("shutdownGrace")),
    returnResult,
    ...readWorkerSettings(lookup),
    errorNames: readErrorNames(flags.exit, environment, warnings),
    errorTemplate: readTemplate(lookup.raw("errorMessageTemplate")),
    logFormat: readChoice(lookup.rawOrDefault("logFormat"), LOG_SETTINGS.logFormat.choices),
    logLevel: readChoice(lookup.rawOrDefault("logLevel"), LOG_SETTINGS.logLevel.choices),
    warnings,
  };
}

function readWorkerSettings(lookup: SettingLookup) {
  const retryDelay = lookup.raw("retryDelay");
  const maxTasks = lookup.raw("maxTasks");
  return {
    heartbeatMs: readPositiveDuration(lookup.rawOrDefault("heartbeat")),
    ...(retryDelay ? { retryDelayMs: readRetryDelay(retryDelay) } : {}),
    concurrency: readCount(lookup.rawOrDefault("concurrency")),
    once: readBoolean(lookup.rawOrDefault("once")),
    ...(maxTasks ? { maxTasks: readCount(maxTasks) } : {}),
    stopWhenEmpty: readBoolean(lookup.rawOrDefault("stopWhenEmpty")),
  };
}

/** Reads TASK_RETRY_DELAY, which SQS takes as a visibility timeout in whole seconds of at most 12 hours. */
function readRetryDelay(value: RawValue): number {
  const milliseconds = readDuration(value);
  if (milliseconds > MAX_VISIBILITY_SEC * 1000) {
    throw new ConfigError(`invalid ${value.origin} ${JSON.stringify(value.text)}: SQS allows at most 12h; use a value such as 5m`);
  }
  return milliseconds;
}

function readTemplate(value: RawValue | undefined): CompiledTemplate {
  if (value === undefined) return compileTemplate(DEFAULT_ERROR_TEMPLATE, TEMPLATE_FIELDS);
  try {
    return compileTemplate(value.text, TEMPLATE_FIELDS);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const fields = TEMPLATE_FIELDS.map((field) => `{{.${field}}}`).join(" ");
    const hint = error.message.includes("known fields") ? "" : `; the fields are ${fields}`;
    throw new ConfigError(`invalid ${value.origin} ${JSON.stringify(value.text)}: ${error.message}${hint}`);
  }
}
