import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { DURATION_EXAMPLE, DurationSyntaxError, parseGoDuration } from "../src/config/duration.ts";

/** Inputs that Go's time.ParseDuration accepts, with the expected milliseconds. */
const VALID_CASES: ReadonlyArray<readonly [string, number]> = [
  ["0", 0],
  ["+0", 0],
  ["-0", 0],
  ["0s", 0],
  ["-0s", 0],
  ["300ms", 300],
  ["-1.5h", -5_400_000],
  ["+5s", 5_000],
  ["2h45m", 9_900_000],
  ["1h30m", 5_400_000],
  ["1h30m10.5s", 5_410_500],
  ["720h", 2_592_000_000],
  [".5s", 500],
  ["5.s", 5_000],
  ["5.0s", 5_000],
  ["100.00100s", 100_001],
  ["10.5s4m", 250_500],
  ["1m1m", 120_000],
  ["-2m3.4s", -123_400],
  ["1ns", 0.000001],
  ["1.5us", 0.0015],
  ["1.5\u00b5s", 0.0015],
  ["1.5\u03bcs", 0.0015],
  ["13ms", 13],
  ["15m", 900_000],
  ["16h", 57_600_000],
  ["1h2m3s4ms5us6ns", 3_723_004.005006],
  ["0.000000001s", 0.000001],
  // Go drops fractions of a nanosecond.
  ["0.0000000001s", 0],
  // Go ignores fraction digits beyond the precision of an int64.
  ["1.00000000000000000000000001s", 1_000],
  ["0.3333333333333333333h", 1_200_000],
  // Go keeps the first 19 fraction digits here and truncates to 2988372539827ns.
  ["0.830103483285477580700h", 2_988_372.539827],
  ["9007199254740993ns", 9_007_199_254.740993],
  ["9223372036854775807ns", 9_223_372_036_854.775807],
  ["2562047h47m16.854775807s", 9_223_372_036_854.775807],
  ["-9223372036854775808ns", -9_223_372_036_854.775808],
  ["-2562047h47m16.854775808s", -9_223_372_036_854.775808],
];

/** Inputs that Go's time.ParseDuration rejects. */
const INVALID_CASES: readonly string[] = [
  "",
  "+",
  "-",
  "1",
  "00",
  "1.0",
  "1d",
  "1.2.3s",
  "s",
  ".",
  ".s",
  "-.s",
  " 1s",
  "1s ",
  "1 s",
  "1h 30m",
  "1S",
  "1Ms",
  "1e3s",
  "--1s",
  "+-1s",
  "1µ",
  "µs",
  "1s\u00a0",
  "1,5s",
  "9999999h",
  "2562048h",
  "9223372036854775808ns",
  "-9223372036854775809ns",
  "9223372036854775.808us",
  "9223372036854ms775us808ns",
  "99999999999999999999999s",
];

describe("parseGoDuration", () => {
  for (const [input, expected] of VALID_CASES) {
    test(`parses ${JSON.stringify(input)}`, () => {
      assert.equal(parseGoDuration(input), expected);
    });
  }

  for (const input of INVALID_CASES) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseGoDuration(input), DurationSyntaxError);
    });
  }

  test("returns positive zero for -0", () => {
    assert.ok(Object.is(parseGoDuration("-0s"), 0));
  });

  test("accepts DURATION_EXAMPLE", () => {
    assert.equal(parseGoDuration(DURATION_EXAMPLE), 5_400_000);
  });
});

describe("DurationSyntaxError message", () => {
  const MESSAGE_CASES: ReadonlyArray<readonly [string, string]> = [
    ["", 'invalid duration "": empty'],
    ["1", 'invalid duration "1": missing unit'],
    ["1d", 'invalid duration "1d": unknown unit "d"'],
    ["1 s", 'invalid duration "1 s": unknown unit " s"'],
    ["9999999h", 'invalid duration "9999999h": out of range'],
    ["-", 'invalid duration "-": missing number after the sign'],
    ["--1s", 'invalid duration "--1s": expected a digit or "." at offset 1'],
    [".s", 'invalid duration ".s": number at offset 0 has no digits'],
  ];

  for (const [input, message] of MESSAGE_CASES) {
    test(`names the problem in ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseGoDuration(input), { name: "DurationSyntaxError", message });
    });
  }

  test("exposes input and reason", () => {
    assert.throws(() => parseGoDuration("1d"), { input: "1d", reason: 'unknown unit "d"' });
  });
});
