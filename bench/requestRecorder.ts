import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request that passed the recorder: its AWS JSON-protocol action and when it arrived, on the `performance.now()` clock. */
export interface RecordedRequest {
  readonly action: string;
  readonly atMs: number;
}

/** A loopback HTTP proxy in front of an emulator that records each request's action and arrival time. */
export interface RequestRecorder {
  readonly endpoint: string;
  readonly requests: readonly RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that forwards every request to `targetEndpoint`
 * (an emulator on 127.0.0.1) and records it when its headers arrive. The
 * action is the part of the X-Amz-Target header after the dot, such as
 * ReceiveMessage, as the AWS SDK v3 sends it for SQS and Step Functions.
 */
export async function startRequestRecorder(targetEndpoint: string): Promise<RequestRecorder> {
  const target = new URL(targetEndpoint);
  if (target.hostname !== "127.0.0.1") throw new Error(`the recorder forwards only to 127.0.0.1, not to ${target.hostname}`);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const amzTarget = String(incoming.headers["x-amz-target"] ?? "");
    requests.push({ action: amzTarget.slice(amzTarget.indexOf(".") + 1), atMs: performance.now() });
    const forwarded = request({ host: "127.0.0.1", port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    });
    forwarded.on("error", (error) => outgoing.destroy(error));
    // A client that goes away, such as a stopped worker in a long poll, ends its forwarded request too.
    outgoing.on("close", () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
