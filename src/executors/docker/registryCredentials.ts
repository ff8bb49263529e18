import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RegistryAuth } from "../../config/registryAuth.ts";

/** The key Docker config files use for Docker Hub. */
const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

/** Returns the registry host of an image reference, or undefined for Docker Hub. */
export function registryOf(image: string): string | undefined {
  const first = image.split("/")[0]!;
  const hasRegistry = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return hasRegistry ? first : undefined;
}

/**
 * Looks up credentials for an image's registry in the Docker config file
 * (`auths` entries with an `auth` field). Credential helpers are not run.
 */
export async function credentialsFromConfig(configDir: string, image: string): Promise<RegistryAuth | undefined> {
  let config: { auths?: Record<string, { auth?: string; identitytoken?: string }> };
  try {
    config = JSON.parse(await readFile(join(configDir, "config.json"), "utf8")) as typeof config;
  } catch {
    return undefined;
  }
  const registry = registryOf(image);
  const keys = registry === undefined ? [DOCKER_HUB_KEY, "docker.io", "index.docker.io"] : [registry, `https://${registry}`, `http://${registry}`];
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (entry?.auth) return { auth: entry.auth, serveraddress: registry ?? DOCKER_HUB_KEY };
    if (entry?.identitytoken) return { identitytoken: entry.identitytoken, serveraddress: registry ?? DOCKER_HUB_KEY };
  }
  return undefined;
}
