import { ConfigError } from "./configError.ts";
import { DURATION_EXAMPLE, DurationSyntaxError, parseGoDuration } from "./duration.ts";

/** A setting's raw text and where it came from, such as "--timeout" or "TASK_TIMEOUT". */
export interface RawValue {
  readonly origin: string;
  readonly text: string;
}

/** The spellings Go's strconv.ParseBool accepts, which the Go tool read booleans with. */
const TRUE_WORDS = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_WORDS = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function invalid(value: RawValue, problem: string, fix: string): ConfigError {
  return new ConfigError(`invalid ${value.origin} ${JSON.stringify(value.text)}: ${problem}; ${fix}`);
}

/** Reads a Go duration that may not be negative, in milliseconds. */
export function readDuration(value: RawValue): number {
  let milliseconds: number;
  try {
    milliseconds = parseGoDuration(value.text);
  } catch (error) {
    if (!(error instanceof DurationSyntaxError)) throw error;
    if (error.reason === "out of range") throw invalid(value, "too long", "use at most 2562047h, the largest duration Go accepts");
    throw invalid(value, "not a Go duration", `use a number with a unit (ns, us, ms, s, m, h), such as ${DURATION_EXAMPLE} or 30s`);
  }
  if (milliseconds < 0) throw invalid(value, "a duration cannot be negative", `use 0 or more, such as ${DURATION_EXAMPLE}`);
  return milliseconds;
}

/** Reads a Go duration that must be above zero, in milliseconds. */
export function readPositiveDuration(value: RawValue): number {
  const milliseconds = readDuration(value);
  if (milliseconds <= 0) throw invalid(value, "must be longer than 0", `use a duration such as 30s`);
  return milliseconds;
}

/** Reads a boolean as Go's strconv.ParseBool does (true, false, 1, 0, t, f, ...). */
export function readBoolean(value: RawValue): boolean {
  if (TRUE_WORDS.has(value.text)) return true;
  if (FALSE_WORDS.has(value.text)) return false;
  throw invalid(value, "not a boolean", "use true or false (1, 0, t and f also work)");
}

/** Reads a whole number of at least 1. */
export function readCount(value: RawValue): number {
  const count = /^\d+$/.test(value.text) ? Number(value.text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw invalid(value, "not a whole number of at least 1", "use a value such as 1 or 8");
  }
  return count;
}

/** Reads one of a fixed set of words, ignoring case, and returns it as the set spells it. */
export function readChoice<T extends string>(value: RawValue, choices: readonly T[]): T {
  const found = choices.find((choice) => choice.toLowerCase() === value.text.toLowerCase());
  if (found === undefined) throw invalid(value, "not a known value", `use one of ${choices.join(", ")}`);
  return found;
}
