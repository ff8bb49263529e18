/**
 * Collects the matches of a global pattern in a process's growing output,
 * scanning each complete line once.
 */
export class OutputMatches {
  #offset = 0;
  readonly #matches: string[] = [];

  constructor(
    private readonly output: () => string,
    private readonly pattern: RegExp,
  ) {
    if (!pattern.global) throw new Error(`${pattern} needs the g flag`);
  }

  /** Returns every match so far, in the order they were written. */
  all(): readonly string[] {
    const text = this.output();
    // Only complete lines are scanned, so that a match cut by a chunk boundary is found once it is whole.
    const end = text.lastIndexOf("\n") + 1;
    if (end > this.#offset) {
      for (const match of text.slice(this.#offset, end).matchAll(this.pattern)) this.#matches.push(match[1] ?? match[0]);
      this.#offset = end;
    }
    return this.#matches;
  }

  count(): number {
    return this.all().length;
  }
}
