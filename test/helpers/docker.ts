import { existsSync } from "node:fs";
import Docker from "dockerode";

/** Socket of the test Docker Engine that scripts/test-dockerd.sh starts. */
export const TEST_DOCKER_SOCKET = "/tmp/tasque-docker.sock";
export const TEST_DOCKER_HOST = `unix://${TEST_DOCKER_SOCKET}`;
/** The busybox image scripts/test-dockerd.sh imports from a local root file system. */
export const TEST_IMAGE = "tasque-test/busybox:latest";

/**
 * Returns why Docker tests cannot run here, or undefined when the test
 * engine responds. With TASQUE_REQUIRE_DOCKER=1, as CI sets it, a missing
 * engine fails the tests instead of skipping them.
 */
export async function dockerUnavailable(): Promise<string | undefined> {
  const reason = await probe();
  if (reason && process.env.TASQUE_REQUIRE_DOCKER === "1") throw new Error(`${reason}; run scripts/test-dockerd.sh start`);
  return reason;
}

async function probe(): Promise<string | undefined> {
  if (!existsSync(TEST_DOCKER_SOCKET)) return `no test Docker Engine at ${TEST_DOCKER_HOST} (start one with scripts/test-dockerd.sh start)`;
  try {
    await testDocker().getImage(TEST_IMAGE).inspect();
    return undefined;
  } catch (error) {
    return `the test Docker Engine at ${TEST_DOCKER_HOST} is not ready: ${(error as Error).message}`;
  }
}

export function testDocker(): Docker {
  return new Docker({ socketPath: TEST_DOCKER_SOCKET });
}

/** Returns the names of containers Tasque created that still exist. */
export async function tasqueContainers(nameBase: string): Promise<string[]> {
  const containers = await testDocker().listContainers({ all: true, filters: { label: ["tasque.managed=true"] } });
  return containers.flatMap((container) => container.Names).filter((name) => name.startsWith(`/${nameBase}-`));
}
