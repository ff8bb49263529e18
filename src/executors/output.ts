import { StringDecoder } from "node:string_decoder";
import type { Logger } from "../log/logger.ts";
import { LineSplitter, LineTail } from "./lines.ts";

/** Largest stdout kept for a result; more is a RESULT failure, so memory stays bounded. */
export const MAX_CAPTURED_STDOUT_BYTES = 64 * 1024 * 1024;

/** The job's output as the outcome rules need it. */
export interface CollectedOutput {
  /** The last lines of stderr, bounded. */
  readonly stderrTail: string;
  /** The whole stdout, when it was captured and fit. */
  readonly stdout?: string;
  /** True when stdout passed MAX_CAPTURED_STDOUT_BYTES and was dropped. */
  readonly stdoutOverflow: boolean;
}

/**
 * Turns a job's stdout and stderr into log lines tagged with the stream, a
 * bounded stderr tail and, when a result is expected, the captured stdout.
 * Bytes are decoded as UTF-8 across chunk boundaries.
 */
export class OutputCollector {
  readonly #decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  readonly #lines: { stdout: LineSplitter; stderr: LineSplitter };
  readonly #tail = new LineTail();
  readonly #captured: string[] = [];
  readonly #captureStdout: boolean;
  #capturedBytes = 0;
  #overflow = false;

  constructor(log: Logger, captureStdout: boolean) {
    this.#captureStdout = captureStdout;
    this.#lines = {
      stdout: new LineSplitter((line) => log.info({ stream: "stdout" }, line)),
      stderr: new LineSplitter((line) => {
        this.#tail.add(line);
        log.info({ stream: "stderr" }, line);
      }),
    };
  }

  /** Adds a chunk of one stream. */
  write(stream: "stdout" | "stderr", chunk: Buffer | string): void {
    const text = typeof chunk === "string" ? chunk : this.#decoders[stream].write(chunk);
    this.#lines[stream].push(text);
    if (stream === "stdout") this.#capture(text);
  }

  /** Logs the last lines of both streams, also those without a newline, and returns what was collected. */
  finish(): CollectedOutput {
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.#decoders[stream].end();
      this.#lines[stream].push(rest);
      if (stream === "stdout") this.#capture(rest);
      this.#lines[stream].flush();
    }
    return {
      stderrTail: this.#tail.toString(),
      ...(this.#captureStdout && !this.#overflow ? { stdout: this.#captured.join("") } : {}),
      stdoutOverflow: this.#overflow,
    };
  }

  #capture(text: string): void {
    if (!this.#captureStdout || this.#overflow || text === "") return;
    this.#capturedBytes += Buffer.byteLength(text);
    if (this.#capturedBytes > MAX_CAPTURED_STDOUT_BYTES) {
      this.#overflow = true;
      this.#captured.length = 0;
    } else {
      this.#captured.push(text);
    }
  }
}
