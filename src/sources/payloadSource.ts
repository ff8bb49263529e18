import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import type { Writable } from "node:stream";
import { ConfigError } from "../config/configError.ts";
import type { PayloadInput } from "../config/source.ts";
import type { Outcome } from "../outcome/outcome.ts";
import type { Source, Task } from "./source.ts";

/** Task id of the single task of a payload run. */
export const LOCAL_TASK_ID = "local";

/**
 * A source of exactly one task whose payload was given on the command line,
 * in `TASK_PAYLOAD` or in a file. A successful result is written to stdout,
 * so that a job's result can be checked before it reaches Step Functions.
 */
export class PayloadSource implements Source {
  readonly name = "payload";
  readonly safeToAbortReceive = true;
  #delivered = false;

  constructor(
    private readonly payload: string,
    private readonly resultOutput: Writable,
  ) {}

  async receive(): Promise<Task[] | null> {
    if (this.#delivered) return null;
    this.#delivered = true;
    return [{ id: LOCAL_TASK_ID, payload: this.payload, attributes: {} }];
  }

  async heartbeat(): Promise<"alive"> {
    return "alive";
  }

  async settle(_task: Task, outcome: Outcome): Promise<void> {
    if (!outcome.ok || outcome.result === undefined) return;
    const output = this.resultOutput;
    await new Promise<void>((resolve, reject) => {
      output.write(`${outcome.result}\n`, (error) => (error ? reject(error) : resolve()));
    });
  }

  async release(): Promise<void> {
    // Nothing to hand back: the payload exists only in this run.
  }
}

/** Reads the payload of a payload source: the text itself, or a file's contents ("-" is `stdin`). */
export async function loadPayload(source: PayloadInput, stdin: NodeJS.ReadableStream): Promise<string> {
  if (source.kind === "payload") return source.payload;
  if (source.path === "-") return text(stdin);
  try {
    return await readFile(source.path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
    throw new ConfigError(`invalid ${source.origin} ${JSON.stringify(source.path)}: ${reason}; name a readable file, or - for stdin`);
  }
}
