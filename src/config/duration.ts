/**
 * Parser for duration strings in the syntax of Go's `time.ParseDuration`
 * (Go 1.22), such as "300ms", "-1.5h" or "2h45m", so that settings written for
 * the Go tool keep their meaning.
 */

/** A valid duration string, for error messages that show the expected format. */
export const DURATION_EXAMPLE = "1h30m";

/**
 * Error thrown by {@link parseGoDuration} for text that is not a Go duration.
 * The message has the form `invalid duration "1d": unknown unit "d"`.
 */
export class DurationSyntaxError extends Error {
  override readonly name = "DurationSyntaxError";

  constructor(
    /** The text that failed to parse. */
    readonly input: string,
    /** Description of the problem, such as `missing unit`. */
    readonly reason: string,
  ) {
    super(`invalid duration ${JSON.stringify(input)}: ${reason}`);
  }
}

const NANOSECONDS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ["ns", 1n],
  ["us", 1_000n],
  ["\u00b5s", 1_000n], // micro sign
  ["\u03bcs", 1_000n], // Greek small letter mu
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
  ["m", 60_000_000_000n],
  ["h", 3_600_000_000_000n],
]);

/** 2^63, the magnitude of the most negative int64, which Go uses for durations. */
const MAX_MAGNITUDE = 1n << 63n;
const MAX_POSITIVE = MAX_MAGNITUDE - 1n;
const NANOSECONDS_PER_MILLISECOND = 1_000_000n;

/** One `<number><unit>` pair split into its parts, before any arithmetic. */
interface Component {
  integerDigits: string;
  fractionDigits: string;
  unit: string;
  /** Text after this component. */
  rest: string;
}

/**
 * Parses a Go duration string and returns it in milliseconds.
 *
 * The grammar is that of Go's `time.ParseDuration`: an optional sign, then one
 * or more decimal numbers with a unit (ns, us, µs, μs, ms, s, m, h), or a bare
 * "0". As in Go, the value is computed in whole nanoseconds, dropping any
 * smaller fraction, and must fit in a signed 64-bit count of nanoseconds
 * (about ±2562047h). The result may be fractional ("1.5us" is 0.0015) and is
 * negative for negative input.
 *
 * @throws {DurationSyntaxError} when the text is not a valid duration or is out of range.
 */
export function parseGoDuration(text: string): number {
  const negative = text.startsWith("-");
  const unsigned = negative || text.startsWith("+") ? text.slice(1) : text;

  if (unsigned === "0") {
    return 0;
  }
  if (unsigned === "") {
    throw new DurationSyntaxError(text, text === "" ? "empty" : "missing number after the sign");
  }

  let magnitude = 0n;
  let rest = unsigned;
  while (rest !== "") {
    const component = splitComponent(text, rest);
    magnitude += componentNanoseconds(text, component);
    if (magnitude > MAX_MAGNITUDE) {
      throw new DurationSyntaxError(text, "out of range");
    }
    rest = component.rest;
  }

  if (!negative && magnitude > MAX_POSITIVE) {
    throw new DurationSyntaxError(text, "out of range");
  }
  return nanosecondsToMilliseconds(negative ? -magnitude : magnitude);
}

/** Splits the leading `<number><unit>` pair off `rest`, which is a suffix of `text`. */
function splitComponent(text: string, rest: string): Component {
  const offset = text.length - rest.length;
  // Go's digits are ASCII only, and without the `u` flag `\d` is too.
  const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
  const [numberText = "", integerDigits = "", fractionDigits = ""] = number ?? [];

  if (!/^[.\d]/.test(rest)) {
    throw new DurationSyntaxError(text, `expected a digit or "." at offset ${offset}`);
  }
  if (integerDigits === "" && fractionDigits === "") {
    throw new DurationSyntaxError(text, `number at offset ${offset} has no digits`);
  }
  // Go reports an integer part above 2^63 before it looks at the unit.
  if (BigInt(integerDigits) > MAX_MAGNITUDE) {
    throw new DurationSyntaxError(text, "out of range");
  }

  // As in Go, the unit is everything up to the next digit or ".", so "1 s" has the unit " s".
  const afterNumber = rest.slice(numberText.length);
  const unit = /^[^.\d]*/.exec(afterNumber)?.[0] ?? "";
  if (unit === "") {
    throw new DurationSyntaxError(text, "missing unit");
  }
  return { integerDigits, fractionDigits, unit, rest: afterNumber.slice(unit.length) };
}

/** Returns the value of one component in whole nanoseconds, rounded toward zero. */
function componentNanoseconds(text: string, component: Component): bigint {
  const unitNanoseconds = NANOSECONDS_PER_UNIT.get(component.unit);
  if (unitNanoseconds === undefined) {
    throw new DurationSyntaxError(text, `unknown unit ${JSON.stringify(component.unit)}`);
  }

  const integer = BigInt(component.integerDigits);
  if (integer > MAX_MAGNITUDE / unitNanoseconds) {
    throw new DurationSyntaxError(text, "out of range");
  }
  const total = integer * unitNanoseconds + fractionNanoseconds(component.fractionDigits, unitNanoseconds);
  if (total > MAX_MAGNITUDE) {
    throw new DurationSyntaxError(text, "out of range");
  }
  return total;
}

/**
 * Converts the digits after the decimal point to nanoseconds the way Go does:
 * digits past what fits in an int64 are ignored, and the scaling is done in
 * float64 and truncated, so results match Go's to the nanosecond.
 */
function fractionNanoseconds(digits: string, unitNanoseconds: bigint): bigint {
  let numerator = 0n;
  let scale = 1;
  for (const digit of digits) {
    const next = numerator * 10n + BigInt(digit);
    if (numerator > MAX_POSITIVE / 10n || next > MAX_MAGNITUDE) {
      break;
    }
    numerator = next;
    scale *= 10;
  }
  if (numerator === 0n) {
    return 0n;
  }
  return BigInt(Math.trunc(Number(numerator) * (Number(unitNanoseconds) / scale)));
}

/**
 * Converts nanoseconds to milliseconds. The whole milliseconds (at most about
 * 9.2e12) are exact in a double, so only the sub-millisecond part is rounded.
 */
function nanosecondsToMilliseconds(nanoseconds: bigint): number {
  const wholeMilliseconds = nanoseconds / NANOSECONDS_PER_MILLISECOND;
  const remainder = nanoseconds % NANOSECONDS_PER_MILLISECOND;
  return Number(wholeMilliseconds) + Number(remainder) / 1e6;
}
