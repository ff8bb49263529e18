import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SFNClient } from "@aws-sdk/client-sfn";

/** Credentials and region of every SDK client in tests; nothing looks for real ones. */
export const TEST_AWS = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};

/** A running fauxqs SQS emulator on 127.0.0.1. */
export interface SqsEmulator {
  readonly endpoint: string;
  readonly port: number;
  readonly client: SQSClient;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs on 127.0.0.1 with queue URLs that name 127.0.0.1 as well,
 * so that no request ever resolves another host name. `port` 0 picks a free one.
 */
export async function startSqs(port = 0): Promise<SqsEmulator> {
  const { buildApp } = await import("fauxqs");
  // The package exports only its main file, so the store is imported by URL.
  const storeUrl = new URL("./sqs/sqsStore.js", import.meta.resolve("fauxqs"));
  const { SqsStore } = (await import(storeUrl.href)) as { SqsStore: new () => { host: string } };
  const sqsStore = new SqsStore();
  sqsStore.host = "";
  const app = buildApp({ logger: false, stores: { sqsStore } as never });
  await app.listen({ port, host: "127.0.0.1" });
  const address = app.server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const endpoint = `http://127.0.0.1:${boundPort}`;
  const client = new SQSClient({ ...TEST_AWS, endpoint });
  return {
    endpoint,
    port: boundPort,
    client,
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}

/** A running stepfunctions-local server on 127.0.0.1, in a child process of its own. */
export interface StepFunctionsEmulator {
  readonly endpoint: string;
  readonly port: number;
  readonly client: SFNClient;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = fileURLToPath(new URL("./stepFunctionsServer.cjs", import.meta.url));

/** Starts stepfunctions-local in a child process; its state lives and dies with that process. */
export async function startStepFunctions(port = 0): Promise<StepFunctionsEmulator> {
  const child: ChildProcess = fork(SERVER_SCRIPT, [], {
    env: {
      PATH: process.env.PATH,
      SFN_PORT: String(port),
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1",
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const [message] = (await once(child, "message")) as [{ port: number }];
  const endpoint = `http://127.0.0.1:${message.port}`;
  const client = new SFNClient({ ...TEST_AWS, endpoint });
  return {
    endpoint,
    port: message.port,
    client,
    async stop() {
      client.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}
