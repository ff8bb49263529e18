import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./configError.ts";
import type { RawValue } from "./values.ts";

/** How to reach a Docker Engine: a unix socket, or TCP with optional TLS. dockerode takes these fields as they are. */
export type DockerConnection =
  | { readonly socketPath: string }
  | { readonly protocol: "http" | "https"; readonly host: string; readonly port: number; readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };

/** The Docker CLI's default engine address. */
export const DEFAULT_DOCKER_ENDPOINT = "unix:///var/run/docker.sock";

/**
 * Reads an engine address as the Docker CLI does: unix:///path or
 * tcp://host:port, with TLS when DOCKER_TLS_VERIFY is set, using ca.pem,
 * cert.pem and key.pem from DOCKER_CERT_PATH (default ~/.docker).
 */
export function readDockerConnection(value: RawValue, environment: NodeJS.ProcessEnv): DockerConnection {
  const { text } = value;
  if (text.startsWith("unix://")) {
    const socketPath = text.slice("unix://".length);
    if (!socketPath.startsWith("/")) throw invalidEndpoint(value);
    return { socketPath };
  }
  if (!text.startsWith("tcp://")) throw invalidEndpoint(value);

  let url: URL;
  try {
    url = new URL(`http://${text.slice("tcp://".length)}`);
  } catch {
    throw invalidEndpoint(value);
  }
  const tls = Boolean(environment.DOCKER_TLS_VERIFY);
  const port = Number(url.port || (tls ? 2376 : 2375));
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!tls) return { protocol: "http", host, port };
  return { protocol: "https", host, port, ...readCertificates(environment.DOCKER_CERT_PATH || join(homedir(), ".docker")) };
}

function invalidEndpoint(value: RawValue): ConfigError {
  return new ConfigError(
    `invalid ${value.origin} ${JSON.stringify(value.text)}: not a Docker Engine address; use unix:///var/run/docker.sock or tcp://HOST:2376`,
  );
}

function readCertificates(folder: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (name: string): Buffer => {
    try {
      return readFileSync(join(folder, name));
    } catch (error) {
      throw new ConfigError(
        `DOCKER_TLS_VERIFY is set but ${join(folder, name)} cannot be read (${(error as NodeJS.ErrnoException).code}); set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem`,
      );
    }
  };
  return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
}
