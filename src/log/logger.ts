import { pino, type Logger as PinoLogger } from "pino";
import pretty from "pino-pretty";
import type { LOG_SETTINGS } from "../config/definitions.ts";

/** Tasque's logger: pino, with the task id, source and stream as bindings. */
export type Logger = PinoLogger;

/** Log line formats: human-readable text, or one JSON object a line for log collectors. */
export type LogFormat = (typeof LOG_SETTINGS.logFormat.choices)[number];

/** Levels from most to least verbose. */
export type LogLevel = (typeof LOG_SETTINGS.logLevel.choices)[number];

/** Settings of the logger. */
export interface LoggerOptions {
  readonly format: LogFormat;
  readonly level: LogLevel;
  /** File descriptor the log goes to; stderr by default, so stdout stays free for results. */
  readonly fd?: number;
}

/** Serializes errors without their stack, which means nothing to a user reading the log. */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return { type: error.name, message: error.message, ...(code ? { code } : {}) };
}

/** Creates the one logger of the process, writing synchronously so that no line is lost at exit. */
export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 2;
  const settings = {
    level: options.level,
    base: undefined,
    serializers: { err: serializeError },
  };
  if (options.format === "json") {
    return pino(
      { ...settings, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
      pino.destination({ dest: fd, sync: true }),
    );
  }
  const stream = pretty({
    destination: fd,
    sync: true,
    colorize: fd === 2 ? Boolean(process.stderr.isTTY) : false,
    translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
    ignore: "task,stream",
    // The failure line's "error" field is the translated error name, a string to keep on the line.
    errorLikeObjectKeys: ["err"],
    singleLine: true,
    messageFormat: "{if task}[{task}] {end}{if stream}{stream}| {end}{msg}",
  });
  return pino(settings, stream);
}

/**
 * Sends Node.js process warnings, such as the AWS SDK's notice about Node.js
 * versions, through the logger instead of Node's plain-text printer, so that
 * a JSON log stays one JSON object a line.
 */
export function logProcessWarnings(log: Logger): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => log.warn({ warning: warning.name }, warning.message.replace(/\s*\n\s*/g, " ")));
}
