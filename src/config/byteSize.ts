/** Multipliers of Docker's size suffixes, which are binary: 1k is 1024 bytes. */
const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** A size in Docker's syntax: a number, an optional unit (b, k, m, g, t, p) and an optional "b" or "ib". */
const SIZE = /^(\d+(?:\.\d+)?)\s*([bkmgtp])?(?:i?b)?$/i;

/**
 * Parses a memory size the way the Docker CLI does for `--memory`, such as
 * "512m", "2g", "1.5GiB" or "1048576". Returns whole bytes, or undefined
 * when the text is not a size.
 */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const unit = UNITS[(match[2] ?? "b").toLowerCase()]!;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
