#!/usr/bin/env node
import { createRequire } from "node:module";
import { CommanderError } from "commander";
import { PermanentSourceError } from "../aws/awsErrors.ts";
import { ConfigError } from "../config/configError.ts";
import { readSettings } from "../config/settings.ts";
import { buildProgram, parseCommandLine } from "./program.ts";

/** Exit code of every start-up and configuration error. */
const CONFIG_ERROR_EXIT_CODE = 2;

/**
 * The package version, which scripts/build-binary.mjs inlines (esbuild `define`) into
 * the single executable, where import.meta.url is empty. The npm build leaves it undefined.
 */
declare const TASQUE_BUNDLED_VERSION: string | undefined;

function packageVersion(): string {
  if (typeof TASQUE_BUNDLED_VERSION === "string") return TASQUE_BUNDLED_VERSION;
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}

/** Parses the command line and settings, runs Tasque, and returns its exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram(packageVersion());
  let parsed;
  try {
    parsed = parseCommandLine(program, argv);
  } catch (error) {
    // Commander has already printed help, the version or its error message.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : CONFIG_ERROR_EXIT_CODE;
    throw error;
  }

  try {
    const settings = readSettings(parsed.flags, parsed.command, process.env);
    // Loaded only now, so that --help and --version stay fast.
    const { runTasque } = await import("./run.ts");
    return await runTasque(settings);
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof PermanentSourceError)) throw error;
    process.stderr.write(`tasque: ${error.message}\n`);
    return CONFIG_ERROR_EXIT_CODE;
  }
}

// A reader that closes stdout early, as `tasque --help | head -1` does, is not an error of Tasque's.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const detail = process.env.LOG_LEVEL === "debug" && error instanceof Error ? error.stack : String(error);
    process.stderr.write(`tasque: unexpected error: ${detail}\n`);
    process.exit(1);
  },
);
