import { Command, Option } from "commander";
import { SETTINGS, SOURCE_VARIABLES, type SettingDefinition } from "../config/definitions.ts";

/** Parsed command line: flag values by setting name (with `--exit` translations) and the job's command. */
export interface ParsedCommandLine {
  readonly flags: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly command: readonly string[];
}

function helpText(definition: SettingDefinition): string {
  const notes = [
    definition.choices ? `one of: ${definition.choices.join(", ")}` : undefined,
    definition.variable ? `env: ${definition.variable}` : undefined,
    definition.defaultText !== undefined ? `default: ${definition.defaultText}` : undefined,
  ].filter(Boolean);
  return notes.length > 0 ? `${definition.description} (${notes.join(", ")})` : definition.description;
}

/** Creates the flag of a setting; commander names its value after the flag in camel case, as SETTINGS is keyed. */
function settingOption(definition: SettingDefinition): Option {
  if (definition.kind === "boolean") return new Option(`--${definition.flag}`, helpText(definition));
  return new Option(`--${definition.flag} <${definition.valueName}>`, helpText(definition));
}

/** Creates the `--no-` form of a boolean setting, so that a flag can turn off what a variable turned on. */
function negatedOption(definition: SettingDefinition): Option {
  return new Option(`--no-${definition.flag}`, `turn off --${definition.flag}`).hideHelp();
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const SOURCES_HELP = `
Sources (the first one set wins, in this order): ${SOURCE_VARIABLES.join(", ")}.
A source given as a flag wins over the variables. Boolean flags take no value;
--no-<flag> turns one off, such as --no-return-result.

Failure keys are translated with EXIT_<key>=<error>, such as EXIT_3=BadInput or
EXIT_TIMEOUT=States.Timeout.

Examples:
  TASK_PAYLOAD='{"name":"Ada"}' tasque node examples/hello.js
  tasque --payload-file big.json -- python3 job.py`;

/** Builds the command-line parser. Options come before the command; everything from the command on belongs to the job. */
export function buildProgram(version: string): Command {
  const program = new Command("tasque")
    .usage("[options] [--] COMMAND [ARGS...]")
    .description("Run a command for each task from a queue, a Step Functions activity or a single payload.")
    .version(version, "-V, --version", "print the version")
    .helpOption("-h, --help", "print this help")
    .argument("[command...]", "the program to run for each task, with its arguments")
    .passThroughOptions()
    .showHelpAfterError("(run tasque --help to see the options)")
    .configureOutput({ outputError: (message, write) => write(`tasque: ${message.replace(/^error: /, "")}`) })
    .exitOverride()
    .addHelpText("after", SOURCES_HELP);

  for (const definition of Object.values(SETTINGS)) {
    program.addOption(settingOption(definition));
    if (definition.kind === "boolean") program.addOption(negatedOption(definition));
  }
  program.addOption(
    new Option("--exit <key=error>", "translate failure key <key> to <error>, like EXIT_<key>; repeatable").argParser(collect),
  );
  return program;
}

/** Parses `argv` (without node and the script). Throws commander's errors; the caller maps them to exit codes. */
export function parseCommandLine(program: Command, argv: readonly string[]): ParsedCommandLine {
  program.parse([...argv], { from: "user" });
  return { flags: program.opts(), command: program.args };
}
