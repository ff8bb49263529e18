/** Origin of a result, named in messages. */
type ResultOrigin = "TASK_RESULT_FILE" | "stdout";

/** A checked result: the JSON text, or why it was rejected. */
export type CheckedResult = { ok: true; json: string } | { ok: false; reason: string };

/** Output of a run that may carry a result. */
export interface ResultSources {
  readonly resultFile?: string;
  readonly stdout?: string;
}

/**
 * Checks the job's result: the contents of `TASK_RESULT_FILE` when the job
 * wrote it, else its whole stdout, which must be exactly one JSON value.
 * `maxBytes` bounds the UTF-8 size of the result (Step Functions allows 256 KiB).
 * Reasons never quote the result, because it may hold customer data.
 */
export function validateResult(sources: ResultSources, maxBytes = Number.POSITIVE_INFINITY): CheckedResult {
  const origin: ResultOrigin = sources.resultFile !== undefined ? "TASK_RESULT_FILE" : "stdout";
  const text = stripByteOrderMark(sources.resultFile ?? sources.stdout ?? "").trim();
  const bytes = Buffer.byteLength(text);

  if (text === "") {
    return { ok: false, reason: `the result in ${origin} is empty; ${howToReturn()}` };
  }
  if (!isJson(text)) {
    return { ok: false, reason: `the result in ${origin} (${bytes} bytes) is not valid JSON; ${howToReturn()}` };
  }
  if (bytes > maxBytes) {
    return {
      ok: false,
      reason: `the result in ${origin} is ${bytes} bytes, over the limit of ${maxBytes} bytes; return a smaller result, such as a reference to stored data`,
    };
  }
  return { ok: true, json: text };
}

function howToReturn(): string {
  return "print exactly one JSON value on stdout, or write it to the file named by TASK_RESULT_FILE";
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
