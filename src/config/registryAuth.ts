import { ConfigError } from "./configError.ts";

/** Registry credentials as the Engine API's X-Registry-Auth takes them. Never logged. */
export interface RegistryAuth {
  readonly username?: string;
  readonly password?: string;
  /** base64 of "username:password", as Docker config files store it. */
  readonly auth?: string;
  readonly serveraddress?: string;
  readonly identitytoken?: string;
}

const ACCEPTED = ["username", "password", "auth", "serveraddress", "identitytoken", "email"];

/**
 * Reads DOCKER_AUTH_DATA, the Go tool's base64-encoded auth JSON. Messages
 * never quote the value, because it contains a secret.
 */
export function readAuthData(text: string): RegistryAuth {
  const invalid = (problem: string) => new ConfigError(`invalid DOCKER_AUTH_DATA (value not shown): ${problem}; give base64 of JSON such as {"username": "...", "password": "...", "serveraddress": "registry.example.com"}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    throw invalid("not base64-encoded JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid("not a JSON object");
  const fields = parsed as Record<string, unknown>;
  const unknownField = Object.keys(fields).find((name) => !ACCEPTED.includes(name));
  if (unknownField) throw invalid(`unknown field ${unknownField}`);
  if (!Object.values(fields).every((value) => typeof value === "string")) throw invalid("every field must be a string");
  if (!fields.auth && !fields.identitytoken && !(fields.username && fields.password)) throw invalid("needs username and password, auth, or identitytoken");
  const { email: _email, ...auth } = fields as Record<string, string>;
  return auth;
}
