import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Largest result file Tasque reads; a larger one is a RESULT failure rather than a memory spike. */
export const MAX_RESULT_FILE_BYTES = 64 * 1024 * 1024;

/** The private folder of one task: the payload file and where the job may write its result. */
export interface TaskFiles {
  readonly payloadFile: string;
  readonly resultFile: string;
  /** Reads the result file: its text, undefined when the job wrote none, or an error when it is too large. */
  readResult(): Promise<{ text?: string; error?: string }>;
  /** Removes the folder and everything the job left in it. */
  remove(): Promise<void>;
}

/** Creates a folder only this user can enter (mode 0700), holding the payload in a file of mode 0600. */
export async function createTaskFiles(payload: string, parent = tmpdir()): Promise<TaskFiles> {
  const folder = await mkdtemp(join(parent, "tasque-"));
  const payloadFile = join(folder, "payload");
  const resultFile = join(folder, "result.json");
  try {
    await writeFile(payloadFile, payload, { mode: 0o600, flag: "wx" });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    payloadFile,
    resultFile,
    readResult: () => readResultFile(resultFile),
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}

async function readResultFile(path: string): Promise<{ text?: string; error?: string }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    return { error: `cannot read TASK_RESULT_FILE: ${(error as Error).message}` };
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_RESULT_FILE_BYTES) {
      return { error: `TASK_RESULT_FILE is ${size} bytes, over Tasque's limit of ${MAX_RESULT_FILE_BYTES} bytes` };
    }
    return { text: await handle.readFile("utf8") };
  } finally {
    await handle.close();
  }
}
