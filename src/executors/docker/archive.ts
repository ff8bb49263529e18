import { Readable } from "node:stream";
import { extract, pack } from "tar-stream";

/**
 * Builds a tar archive with the task folder and its payload file, to be put
 * into a container at "/". The folder is writable and the payload readable
 * by every user, because the container's user is not known in advance and
 * nothing but the job runs in its container.
 */
export async function taskFolderArchive(taskDir: string, payload: string): Promise<Buffer> {
  const folder = taskDir.replace(/^\/+/, "");
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  archive.entry({ name: `${folder}/`, type: "directory", mode: 0o777 });
  archive.entry({ name: `${folder}/payload`, mode: 0o644 }, payload);
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Reads the first file of a tar stream, up to `maxBytes`; returns an error message when it is larger. */
export async function readFirstFile(tarStream: NodeJS.ReadableStream, maxBytes: number): Promise<{ text?: string; error?: string }> {
  const extractor = extract();
  const source = tarStream instanceof Readable ? tarStream : Readable.from(tarStream as AsyncIterable<Buffer>);
  source.pipe(extractor);
  for await (const entry of extractor) {
    if (entry.header.size !== undefined && entry.header.size > maxBytes) {
      entry.resume();
      source.destroy();
      return { error: `TASK_RESULT_FILE is ${entry.header.size} bytes, over Tasque's limit of ${maxBytes} bytes` };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    source.destroy();
    return { text: Buffer.concat(chunks).toString("utf8") };
  }
  return {};
}
