/** Fields of the errors dockerode raises for Engine API responses. */
interface DockerodeError {
  readonly statusCode?: number;
  readonly json?: { readonly message?: string } | null;
  readonly reason?: string;
  readonly code?: string;
  readonly message?: string;
}

/** Returns the HTTP status of an Engine API error, if the engine responded. */
export function engineStatus(error: unknown): number | undefined {
  return (error as DockerodeError | null)?.statusCode;
}

/** Returns the engine's own message for an error, or the connection error's. */
export function engineMessage(error: unknown): string {
  const fields = (error ?? {}) as DockerodeError;
  return fields.json?.message ?? fields.reason ?? fields.message ?? String(error);
}

/** Returns whether an error means the engine could not be reached at all. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as DockerodeError | null)?.code;
  return code === "ECONNREFUSED" || code === "ENOENT" || code === "EACCES" || code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ECONNRESET";
}
