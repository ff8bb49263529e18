/** Maximum characters logged as one entry; longer lines are logged in pieces of this size. */
export const MAX_LINE_CHARS = 16 * 1024;

/**
 * Splits decoded text into lines as chunks arrive. A line that never ends
 * is emitted in pieces of `MAX_LINE_CHARS`, so a job printing without
 * newlines cannot grow Tasque's memory.
 */
export class LineSplitter {
  #pending = "";
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  /** Adds a chunk and emits every line it completes. */
  push(chunk: string): void {
    let text = this.#pending + chunk;
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      this.#emitLine(text.slice(0, newline));
      text = text.slice(newline + 1);
      newline = text.indexOf("\n");
    }
    while (text.length > MAX_LINE_CHARS) {
      const cut = pieceEnd(text, 0);
      this.#emit(text.slice(0, cut));
      text = text.slice(cut);
    }
    this.#pending = text;
  }

  /** Emits the last line when it had no newline. */
  flush(): void {
    if (this.#pending !== "") this.#emitLine(this.#pending);
    this.#pending = "";
  }

  #emitLine(line: string): void {
    const withoutReturn = line.endsWith("\r") ? line.slice(0, -1) : line;
    let start = 0;
    do {
      const end = pieceEnd(withoutReturn, start);
      this.#emit(withoutReturn.slice(start, end));
      start = end;
    } while (start < withoutReturn.length);
  }
}

/** Returns where a piece starting at `start` ends, never between the two halves of a surrogate pair. */
function pieceEnd(text: string, start: number): number {
  const end = Math.min(start + MAX_LINE_CHARS, text.length);
  const last = text.charCodeAt(end - 1);
  const splitsPair = end < text.length && last >= 0xd800 && last <= 0xdbff;
  return splitsPair ? end - 1 : end;
}

/** Keeps the last lines of a stream within a line count and a character budget. */
export class LineTail {
  readonly #lines: string[] = [];
  #chars = 0;

  constructor(
    private readonly maxLines = 20,
    private readonly maxChars = 4096,
  ) {}

  add(line: string): void {
    const bounded = line.length > this.maxChars ? line.slice(-this.maxChars) : line;
    this.#lines.push(bounded);
    this.#chars += bounded.length;
    while (this.#lines.length > this.maxLines || this.#chars > this.maxChars) {
      this.#chars -= this.#lines.shift()!.length;
    }
  }

  toString(): string {
    return this.#lines.join("\n");
  }
}
