import type Docker from "dockerode";
import type { DockerSettings } from "../../config/executor.ts";
import type { Logger } from "../../log/logger.ts";
import { engineStatus } from "./engineError.ts";
import { credentialsFromConfig } from "./registryCredentials.ts";

/** Raised when the image is not there and may not be pulled, or pulling it failed. */
export class ImageUnavailableError extends Error {
  override readonly name = "ImageUnavailableError";
}

/** Makes sure the task image is present, pulling it as DOCKER_PULL requests. */
export async function ensureImage(docker: Docker, settings: DockerSettings, log: Logger): Promise<void> {
  const image = settings.definition.imageName;
  if (settings.pull !== "always" && (await isPresent(docker, image))) return;
  if (settings.pull === "never") {
    throw new ImageUnavailableError(`image ${image} is not present on the Docker Engine and DOCKER_PULL=never; pull it first or set DOCKER_PULL=missing`);
  }
  await pull(docker, settings, log);
}

async function isPresent(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if (engineStatus(error) === 404) return false;
    throw error;
  }
}

async function pull(docker: Docker, settings: DockerSettings, log: Logger): Promise<void> {
  const image = settings.definition.imageName;
  const authconfig = settings.auth ?? (await credentialsFromConfig(settings.configDir, image));
  log.info({ image, withCredentials: authconfig !== undefined }, "pulling image");
  const stream = await docker.pull(image, authconfig ? { authconfig } : {});
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((event) => event.error)?.error;
      if (failed) reject(new ImageUnavailableError(`pulling image ${image} failed: ${failed}`));
      else resolve();
    });
  });
  log.info({ image }, "image pulled");
}
