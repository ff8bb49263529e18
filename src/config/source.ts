import { ConfigError } from "./configError.ts";
import { SOURCE_SETTINGS, SOURCE_VARIABLES } from "./definitions.ts";
import type { SettingLookup } from "./settings.ts";

/** Source of the tasks, as the settings name it. */
export type SourceSettings =
  /** One task with a payload given as text. */
  | { readonly kind: "payload"; readonly origin: string; readonly payload: string }
  /** One task with a payload read from a file, or from Tasque's stdin for "-". */
  | { readonly kind: "payloadFile"; readonly origin: string; readonly path: string };

const SOURCE_FLAGS = Object.values(SOURCE_SETTINGS).map((definition) => `--${definition.flag}`);

/**
 * Chooses the source: a source flag wins over source variables, and among
 * variables the first set in SOURCE_VARIABLES wins, as in the Go tool.
 */
export function readSource(lookup: SettingLookup): SourceSettings {
  const fromFlags = sourcesFromFlags(lookup);
  if (fromFlags.length > 1) {
    throw new ConfigError(`${fromFlags.map((source) => source.origin).join(" and ")} both name a task source; give only one`);
  }
  if (fromFlags[0]) return fromFlags[0];

  const payload = lookup.raw("payload");
  if (payload) return { kind: "payload", origin: payload.origin, payload: payload.text };
  throw new ConfigError(missingSourceMessage());
}

function sourcesFromFlags(lookup: SettingLookup): SourceSettings[] {
  const sources: SourceSettings[] = [];
  const payload = lookup.flags.payload;
  const payloadFile = lookup.flags.payloadFile;
  if (typeof payload === "string") sources.push({ kind: "payload", origin: "--payload", payload });
  if (typeof payloadFile === "string") {
    if (payloadFile === "") throw new ConfigError('invalid --payload-file "": expected a file name, or - for stdin');
    sources.push({ kind: "payloadFile", origin: "--payload-file", path: payloadFile });
  }
  return sources;
}

/** Builds the message for a run with no source, naming every source variable and flag. */
export function missingSourceMessage(): string {
  return [
    "no task source: set one of the variables " + SOURCE_VARIABLES.join(", "),
    `or give one of the flags ${SOURCE_FLAGS.join(", ")}.`,
    "Usage: tasque [options] [--] COMMAND [ARGS...]   (tasque --help lists every option)",
  ].join("\n");
}
