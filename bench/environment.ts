import { fileURLToPath } from "node:url";
import { testEnvironment } from "../test/helpers/cli.ts";

export { CLI_PATH, NODE } from "../test/helpers/cli.ts";

/** Root of the repository: the working folder of every script the benchmark starts, so that `--import tsx` resolves. */
export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Local emulator endpoints, where every AWS SDK client of a child process sends its calls. */
export interface Endpoints {
  readonly sqs?: string;
  readonly sfn?: string;
}

/**
 * Returns the variables that point a child process's AWS SDK at the local
 * emulators. Together with the test credentials and the disabled instance
 * metadata that the test helpers set, no SDK call can leave 127.0.0.1.
 */
export function endpointVariables(endpoints: Endpoints): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1",
  };
}

/** Returns the whole environment of a baseline process: the test environment plus the endpoints and `extra`. */
export function baselineEnvironment(endpoints: Endpoints, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return testEnvironment({ ...endpointVariables(endpoints), ...extra });
}
