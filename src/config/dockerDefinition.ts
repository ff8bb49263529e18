import { parseByteSize } from "./byteSize.ts";
import { ConfigError } from "./configError.ts";

/** A mount of the container, in the Docker Engine API's terms. */
export interface DockerMount {
  readonly Type: "bind" | "volume" | "tmpfs";
  readonly Source?: string;
  readonly Target: string;
  readonly ReadOnly?: boolean;
}

/** The container settings of DOCKER_TASK_DEFINITION, checked. */
export interface DockerTaskDefinition {
  readonly imageName: string;
  readonly macAddress?: string;
  /** Variables as NAME=value strings. */
  readonly env: readonly string[];
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
  readonly memoryBytes?: number;
  /** CPU limit in billionths of a CPU, as the Engine API's NanoCpus. */
  readonly nanoCpus?: number;
  readonly cpuShares?: number;
  readonly mounts: readonly DockerMount[];
  readonly networkMode?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Remove the container after its task; false keeps it for inspection. */
  readonly autoRemove: boolean;
  readonly readonlyRootfs: boolean;
}

/** Fields DOCKER_TASK_DEFINITION accepts, with what each holds, for error messages. */
const FIELDS: Record<string, string> = {
  ImageName: "the image, such as busybox:1.36 (required)",
  MacAddress: "a MAC address string",
  Env: 'an array of "NAME=value" strings, or an object of names and values',
  Cmd: "an array of strings: the command, unless Tasque's command line gives one",
  Entrypoint: "an array of strings",
  WorkingDir: "a path string",
  User: 'a user name or id string, such as "1000:1000"',
  Memory: 'a size such as "512m" or "2g", or a number of bytes',
  MaxMemory: "the same as Memory (the Go tool's name)",
  Cpus: "a number of CPUs, such as 0.5",
  CpuShares: "a whole number",
  Mounts: 'an array of {"Type": "bind" | "volume" | "tmpfs", "Source", "Target", "ReadOnly"}',
  NetworkMode: 'a string such as "none", "bridge" or "host"',
  Labels: "an object of string values",
  AutoRemove: "true or false (default true): remove the container after its task",
  ReadonlyRootfs: "true or false",
};

const VARIABLE = "DOCKER_TASK_DEFINITION";

function fieldError(field: string, problem: string): ConfigError {
  const expected = FIELDS[field] ? `; expected ${FIELDS[field]}` : "";
  return new ConfigError(`invalid ${VARIABLE}: field ${field} ${problem}${expected}`);
}

function optionalString(definition: Record<string, unknown>, field: string): string | undefined {
  const value = definition[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw fieldError(field, `is ${typeName(value)}`);
  return value;
}

function optionalStrings(definition: Record<string, unknown>, field: string): string[] | undefined {
  const value = definition[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw fieldError(field, `is ${typeName(value)}`);
  return value as string[];
}

function optionalBoolean(definition: Record<string, unknown>, field: string): boolean | undefined {
  const value = definition[field];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw fieldError(field, `is ${typeName(value)}`);
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function readEnv(definition: Record<string, unknown>): string[] {
  const value = definition.Env;
  if (value === undefined) return [];
  if (Array.isArray(value)) {
    if (!value.every((item) => typeof item === "string" && /^[^=]+=/.test(item))) throw fieldError("Env", "has an entry that is not NAME=value");
    return value as string[];
  }
  if (typeof value === "object" && value !== null && Object.values(value).every((item) => typeof item === "string")) {
    return Object.entries(value as Record<string, string>).map(([name, text]) => `${name}=${text}`);
  }
  throw fieldError("Env", `is ${typeName(value)}`);
}

function readMemory(definition: Record<string, unknown>): number | undefined {
  if (definition.Memory !== undefined && definition.MaxMemory !== undefined) {
    throw new ConfigError(`invalid ${VARIABLE}: give Memory or MaxMemory, not both`);
  }
  const field = definition.Memory !== undefined ? "Memory" : "MaxMemory";
  const value = definition[field];
  if (value === undefined) return undefined;
  let bytes: number | undefined;
  if (typeof value === "number" && Number.isSafeInteger(value)) bytes = value;
  else if (typeof value === "string") bytes = parseByteSize(value);
  if (bytes === undefined || bytes <= 0) throw fieldError(field, `is ${JSON.stringify(value)}`);
  return bytes;
}

function readCpus(definition: Record<string, unknown>): number | undefined {
  const value = definition.Cpus;
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value > 0)) throw fieldError("Cpus", `is ${JSON.stringify(value)}`);
  return Math.round(value * 1e9);
}

function readCpuShares(definition: Record<string, unknown>): number | undefined {
  const value = definition.CpuShares;
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw fieldError("CpuShares", `is ${JSON.stringify(value)}`);
  return value;
}

function readMounts(definition: Record<string, unknown>): DockerMount[] {
  const value = definition.Mounts;
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw fieldError("Mounts", `is ${typeName(value)}`);
  return value.map((mount: unknown, index) => readMount(mount, `Mounts[${index}]`));
}

function readMount(mount: unknown, field: string): DockerMount {
  if (typeof mount !== "object" || mount === null || Array.isArray(mount)) throw fieldError("Mounts", `entry ${field} is ${typeName(mount)}`);
  const entry = mount as Record<string, unknown>;
  const unknownKey = Object.keys(entry).find((key) => !["Type", "Source", "Target", "ReadOnly"].includes(key));
  if (unknownKey) throw fieldError("Mounts", `entry ${field} has the unknown field ${unknownKey}`);
  if (entry.Type !== "bind" && entry.Type !== "volume" && entry.Type !== "tmpfs") throw fieldError("Mounts", `entry ${field} has Type ${JSON.stringify(entry.Type)}`);
  if (typeof entry.Target !== "string" || !entry.Target.startsWith("/")) throw fieldError("Mounts", `entry ${field} needs Target, an absolute path`);
  if (entry.Type !== "tmpfs" && typeof entry.Source !== "string") throw fieldError("Mounts", `entry ${field} needs Source for Type ${entry.Type}`);
  if (entry.ReadOnly !== undefined && typeof entry.ReadOnly !== "boolean") throw fieldError("Mounts", `entry ${field} has ReadOnly that is not true or false`);
  return {
    Type: entry.Type,
    Target: entry.Target,
    ...(typeof entry.Source === "string" ? { Source: entry.Source } : {}),
    ...(entry.ReadOnly !== undefined ? { ReadOnly: entry.ReadOnly as boolean } : {}),
  };
}

function readLabels(definition: Record<string, unknown>): Record<string, string> {
  const value = definition.Labels;
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.values(value).every((item) => typeof item === "string")) {
    throw fieldError("Labels", `is ${typeName(value)}`);
  }
  return value as Record<string, string>;
}

function parseJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`invalid ${VARIABLE}: not valid JSON (${(error as Error).message}); give an object such as {"ImageName": "busybox:1.36"}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`invalid ${VARIABLE}: expected a JSON object such as {"ImageName": "busybox:1.36"}, got ${typeName(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Parses DOCKER_TASK_DEFINITION: the Go tool's fields ImageName, MacAddress
 * and Env, plus the container settings users of a container runner expect.
 * Malformed JSON, unknown fields and wrong types are configuration errors
 * that name the field.
 */
export function parseDockerTaskDefinition(text: string): DockerTaskDefinition {
  const definition = parseJson(text);
  const unknownField = Object.keys(definition).find((field) => !(field in FIELDS));
  if (unknownField) throw new ConfigError(`invalid ${VARIABLE}: unknown field ${unknownField}; known fields are ${Object.keys(FIELDS).join(", ")}`);

  const imageName = optionalString(definition, "ImageName");
  if (!imageName) throw fieldError("ImageName", "is missing");
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });

  return {
    imageName,
    env: readEnv(definition),
    mounts: readMounts(definition),
    labels: readLabels(definition),
    autoRemove: optionalBoolean(definition, "AutoRemove") ?? true,
    readonlyRootfs: optionalBoolean(definition, "ReadonlyRootfs") ?? false,
    ...optional("macAddress", optionalString(definition, "MacAddress")),
    ...optional("cmd", optionalStrings(definition, "Cmd")),
    ...optional("entrypoint", optionalStrings(definition, "Entrypoint")),
    ...optional("workingDir", optionalString(definition, "WorkingDir")),
    ...optional("user", optionalString(definition, "User")),
    ...optional("memoryBytes", readMemory(definition)),
    ...optional("nanoCpus", readCpus(definition)),
    ...optional("cpuShares", readCpuShares(definition)),
    ...optional("networkMode", optionalString(definition, "NetworkMode")),
  };
}
