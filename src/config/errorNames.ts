import { ConfigError } from "./configError.ts";

/** `EXIT_<key>`: the current spelling of a failure key translation. */
const CURRENT_SPELLING = /^EXIT_([A-Za-z0-9]+)$/;
/** `EXIT<code>`: the older spelling the Go tool's README still shows, such as EXIT5. */
const LEGACY_SPELLING = /^EXIT(\d+)$/;

/** Normalizes a failure key: "05" and "5" are one exit code, and words are upper case. */
function normalizeKey(key: string): string {
  return /^\d+$/.test(key) ? String(Number(key)) : key.toUpperCase();
}

/**
 * Reads failure key translations from `EXIT_<key>` variables, the legacy
 * `EXIT<code>` variables (with a warning) and `--exit key=error` flags,
 * which win over both.
 */
export function readErrorNames(
  exitFlags: string | boolean | string[] | undefined,
  environment: NodeJS.ProcessEnv,
  warnings: string[],
): Map<string, string> {
  const names = new Map<string, string>();
  for (const [variable, value] of Object.entries(environment)) {
    if (!value) continue;
    const legacy = LEGACY_SPELLING.exec(variable);
    if (legacy) {
      const key = normalizeKey(legacy[1]!);
      warnings.push(`${variable} is the old spelling of a failure key translation; rename it to EXIT_${key}`);
      if (!environment[`EXIT_${legacy[1]}`]) names.set(key, value);
      continue;
    }
    const current = CURRENT_SPELLING.exec(variable);
    if (current) names.set(normalizeKey(current[1]!), value);
  }
  for (const flag of Array.isArray(exitFlags) ? exitFlags : []) {
    const [key, error] = splitExitFlag(flag);
    names.set(key, error);
  }
  return names;
}

function splitExitFlag(flag: string): [string, string] {
  const equals = flag.indexOf("=");
  const key = flag.slice(0, equals);
  const error = flag.slice(equals + 1);
  if (equals < 1 || !/^[A-Za-z0-9]+$/.test(key) || error === "") {
    throw new ConfigError(`invalid --exit ${JSON.stringify(flag)}: expected key=error; use a value such as --exit 3=BadInput or --exit TIMEOUT=States.Timeout`);
  }
  return [normalizeKey(key), error];
}
