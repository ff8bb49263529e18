/**
 * A problem with Tasque's settings or command line. The CLI prints its
 * message as one line, without a stack trace, and exits with code 2.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
