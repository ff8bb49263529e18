import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseByteSize } from "../src/config/byteSize.ts";
import { ConfigError } from "../src/config/configError.ts";
import { parseDockerTaskDefinition } from "../src/config/dockerDefinition.ts";
import { readExecutorKind } from "../src/config/executor.ts";
import { readAuthData } from "../src/config/registryAuth.ts";
import { SettingLookup } from "../src/config/settings.ts";
import { canWriteTaskFolder, containerName } from "../src/executors/docker/containerSpec.ts";
import { registryOf } from "../src/executors/docker/registryCredentials.ts";

describe("parseByteSize", () => {
  const cases: Array<[string, number | undefined]> = [
    ["512m", 512 * 1024 ** 2],
    ["2g", 2 * 1024 ** 3],
    ["2G", 2 * 1024 ** 3],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["64mb", 64 * 1024 ** 2],
    ["1048576", 1048576],
    ["100k", 102400],
    ["lots", undefined],
    ["-1m", undefined],
    ["1x", undefined],
  ];
  for (const [text, bytes] of cases) test(`${text} is ${bytes}`, () => assert.equal(parseByteSize(text), bytes));
});

describe("parseDockerTaskDefinition", () => {
  test("reads the Go tool's fields", () => {
    const definition = parseDockerTaskDefinition('{"ImageName": "busybox", "MacAddress": "02:42:ac:11:00:02", "Env": ["A=1", "B=x=y"]}');
    assert.equal(definition.imageName, "busybox");
    assert.equal(definition.macAddress, "02:42:ac:11:00:02");
    assert.deepEqual(definition.env, ["A=1", "B=x=y"]);
  });

  test("MaxMemory is an alias of Memory", () => {
    assert.equal(parseDockerTaskDefinition('{"ImageName": "a", "MaxMemory": "1g"}').memoryBytes, 1024 ** 3);
  });

  test("Cpus become nano CPUs", () => {
    assert.equal(parseDockerTaskDefinition('{"ImageName": "a", "Cpus": 0.5}').nanoCpus, 500_000_000);
  });

  test("containers are removed by default", () => {
    assert.equal(parseDockerTaskDefinition('{"ImageName": "a"}').autoRemove, true);
  });

  test("Memory and MaxMemory together are rejected", () => {
    assert.throws(() => parseDockerTaskDefinition('{"ImageName": "a", "Memory": "1g", "MaxMemory": "1g"}'), ConfigError);
  });

  test("Env entry without = is rejected", () => {
    assert.throws(() => parseDockerTaskDefinition('{"ImageName": "a", "Env": ["JUSTNAME"]}'), /not NAME=value/);
  });

  test("bind mount without Source is rejected", () => {
    assert.throws(() => parseDockerTaskDefinition('{"ImageName": "a", "Mounts": [{"Type": "bind", "Target": "/x"}]}'), /needs Source/);
  });
});

describe("readAuthData", () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");

  test("reads username and password", () => {
    assert.deepEqual(readAuthData(encode({ username: "u", password: "p", serveraddress: "r.example" })), { username: "u", password: "p", serveraddress: "r.example" });
  });

  test("errors never quote the secret", () => {
    const secret = encode({ username: "u", password: "hunter2-secret" , extra: "x" });
    assert.throws(() => readAuthData(secret), (error: Error) => !error.message.includes("hunter2") && !error.message.includes(secret));
  });

  test("value that is not base64 JSON is rejected", () => {
    assert.throws(() => readAuthData("%%%"), /not base64-encoded JSON/);
  });
});

describe("executor selection", () => {
  const kind = (environment: Record<string, string>, flags: Record<string, string> = {}) => {
    const warnings: string[] = [];
    return { kind: readExecutorKind(new SettingLookup(flags, environment), warnings), warnings };
  };

  test("nothing set runs processes", () => assert.equal(kind({}).kind, "process"));
  test("DOCKER=true with DEPLOY_METHOD=DOCKER runs containers", () => assert.equal(kind({ DOCKER: "true", DEPLOY_METHOD: "DOCKER" }).kind, "docker"));
  test("DOCKER=true alone is ECS, as in the Go tool", () => assert.equal(kind({ DOCKER: "true" }).kind, "ecs"));
  test("DOCKER=true with DEPLOY_METHOD=ECS is ECS", () => assert.equal(kind({ DOCKER: "true", DEPLOY_METHOD: "ECS" }).kind, "ecs"));
  test("--executor wins", () => assert.equal(kind({ DOCKER: "true" }, { executor: "docker" }).kind, "docker"));

  test("DEPLOY_METHOD without DOCKER=true warns", () => {
    const result = kind({ DEPLOY_METHOD: "DOCKER" });
    assert.equal(result.kind, "process");
    assert.match(result.warnings[0] ?? "", /no effect without DOCKER=true/);
  });

  test("unknown DEPLOY_METHOD is rejected", () => {
    assert.throws(() => kind({ DOCKER: "true", DEPLOY_METHOD: "LAMBDA" }), /invalid DEPLOY_METHOD "LAMBDA"/);
  });
});

describe("container names and folders", () => {
  test("name replaces characters Docker rejects", () => assert.equal(containerName("tasque", "a/b:c"), "tasque-a-b-c"));
  test("name of an SQS message id", () => assert.equal(containerName("w", "0f5c1a2e-1b2c-4d5e-8f90-123456789abc"), "w-0f5c1a2e-1b2c-4d5e-8f90-123456789abc"));

  const definition = (fields: string) => parseDockerTaskDefinition(`{"ImageName": "a"${fields}}`);
  test("task folder is writable by default", () => assert.equal(canWriteTaskFolder(definition(""), "/tasque"), true));
  test("read-only root blocks the task folder", () => assert.equal(canWriteTaskFolder(definition(', "ReadonlyRootfs": true'), "/tasque"), false));
  test("volume under a read-only root makes it writable", () => {
    assert.equal(canWriteTaskFolder(definition(', "ReadonlyRootfs": true, "Mounts": [{"Type": "volume", "Source": "v", "Target": "/tasque"}]'), "/tasque"), true);
  });
  test("tmpfs cannot be written before start", () => {
    assert.equal(canWriteTaskFolder(definition(', "Mounts": [{"Type": "tmpfs", "Target": "/tasque"}]'), "/tasque"), false);
  });
  test("mount of another folder does not count", () => {
    assert.equal(canWriteTaskFolder(definition(', "ReadonlyRootfs": true, "Mounts": [{"Type": "volume", "Source": "v", "Target": "/tas"}]'), "/tasque"), false);
  });
});

describe("registryOf", () => {
  test("Docker Hub image", () => assert.equal(registryOf("library/busybox:1.36"), undefined));
  test("short Docker Hub image", () => assert.equal(registryOf("busybox"), undefined));
  test("private registry", () => assert.equal(registryOf("registry.example.com:5000/team/app:1"), "registry.example.com:5000"));
  test("localhost registry", () => assert.equal(registryOf("localhost/app"), "localhost"));
});
