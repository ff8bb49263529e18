import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../src/config/configError.ts";
import { readSettings } from "../src/config/settings.ts";
import { buildOverrides, MAX_OVERRIDES_CHARS, overridesLength } from "../src/executors/ecs/overrides.ts";
import { failureKeyForReason } from "../src/executors/ecs/startFailure.ts";

const task = (payload: string) => ({ id: "t-1", payload, attributes: {} });

describe("ECS overrides", () => {
  test("carry TASK_PAYLOAD and TASK_ID for the named container", () => {
    assert.deepEqual(buildOverrides("worker", task("{}"), []), {
      containerOverrides: [{ name: "worker", environment: [{ name: "TASK_PAYLOAD", value: "{}" }, { name: "TASK_ID", value: "t-1" }] }],
    });
  });

  test("carry the command when one is given", () => {
    assert.deepEqual(buildOverrides("worker", task("{}"), ["node", "job.js"]).containerOverrides?.[0]?.command, ["node", "job.js"]);
  });

  test("length counts JSON escaping", () => {
    const plain = overridesLength(buildOverrides("w", task("aa"), []));
    const quoted = overridesLength(buildOverrides("w", task('""'), []));
    assert.equal(quoted - plain, 2, "each quote is escaped to two characters");
  });

  test("length counts characters, not UTF-16 units", () => {
    const ascii = overridesLength(buildOverrides("w", task("a"), []));
    const emoji = overridesLength(buildOverrides("w", task("😀"), []));
    assert.equal(emoji, ascii);
  });

  test("payload that fills the limit exactly fits", () => {
    const empty = overridesLength(buildOverrides("worker", task(""), []));
    const payload = "x".repeat(MAX_OVERRIDES_CHARS - empty);
    assert.equal(overridesLength(buildOverrides("worker", task(payload), [])), MAX_OVERRIDES_CHARS);
  });
});

describe("ECS start failures", () => {
  const cases: Array<[string, string]> = [
    ["RESOURCE:CPU", "CPU"],
    ["RESOURCE:MEMORY", "MEMORY"],
    ["RESOURCE:PORTS", "RESOURCE"],
    ["RESOURCE:ENI", "RESOURCE"],
    ["AGENT", "AGENT"],
    ["ATTRIBUTE", "ATTRIBUTE"],
    ["MISSING", "UNKNOWN"],
  ];
  for (const [reason, key] of cases) test(`${reason} is ${key}`, () => assert.equal(failureKeyForReason(reason), key));
});

describe("ECS settings", () => {
  const base = { TASK_PAYLOAD: "{}", DOCKER: "true", ECS_TASK_DEFINITION: "resize:3", ECS_CONTAINER_NAME: "worker" };
  const read = (environment: Record<string, string>) => readSettings({}, [], { ...base, ...environment });

  test("DOCKER=true alone selects ECS without a command", () => {
    assert.equal(read({}).executor.kind, "ecs");
  });

  test("cluster mode reads the RunTask settings", () => {
    const settings = read({ ECS_CLUSTER: "jobs", ECS_LAUNCH_TYPE: "fargate", ECS_SUBNETS: "subnet-1, subnet-2", ECS_TAGS: "team=media,env=prod" });
    const ecs = settings.executor.kind === "ecs" ? settings.executor.ecs : undefined;
    assert.deepEqual(ecs?.placement, { kind: "cluster", cluster: "jobs", launchType: "FARGATE", capacityProviders: [], subnets: ["subnet-1", "subnet-2"], securityGroups: [] });
    assert.deepEqual(ecs?.tags, [{ key: "team", value: "media" }, { key: "env", value: "prod" }]);
    assert.equal(ecs?.startedBy, "tasque");
  });

  test("capacity providers parse name:weight:base", () => {
    const settings = read({ ECS_CLUSTER: "jobs", ECS_CAPACITY_PROVIDERS: "FARGATE_SPOT:3:0,FARGATE:1" });
    const placement = settings.executor.kind === "ecs" ? settings.executor.ecs.placement : undefined;
    assert.deepEqual(placement?.kind === "cluster" ? placement.capacityProviders : undefined, [
      { capacityProvider: "FARGATE_SPOT", weight: 3, base: 0 },
      { capacityProvider: "FARGATE", weight: 1 },
    ]);
  });

  test("no cluster means the instance mode with the default agent", () => {
    const settings = read({});
    assert.deepEqual(settings.executor.kind === "ecs" ? settings.executor.ecs.placement : undefined, { kind: "instance", agentUri: "http://localhost:51678" });
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ["RETURN_RESULT", { RETURN_RESULT: "true" }, /RETURN_RESULT cannot be used with the ECS executor/],
    ["missing task definition", { ECS_TASK_DEFINITION: "" }, /missing ECS_TASK_DEFINITION/],
    ["missing container name", { ECS_CONTAINER_NAME: "" }, /missing ECS_CONTAINER_NAME/],
    ["launch type and capacity providers", { ECS_CLUSTER: "c", ECS_LAUNCH_TYPE: "EC2", ECS_CAPACITY_PROVIDERS: "a" }, /both set/],
    ["Fargate without subnets", { ECS_CLUSTER: "c", ECS_LAUNCH_TYPE: "FARGATE" }, /needs ECS_SUBNETS/],
    ["unknown launch type", { ECS_CLUSTER: "c", ECS_LAUNCH_TYPE: "LAMBDA" }, /invalid ECS_LAUNCH_TYPE "LAMBDA"/],
    ["bad capacity provider", { ECS_CLUSTER: "c", ECS_CAPACITY_PROVIDERS: "a:x" }, /invalid ECS_CAPACITY_PROVIDERS/],
    ["bad tag", { ECS_TAGS: "novalue" }, /invalid ECS_TAGS "novalue"/],
    ["long startedBy", { ECS_STARTED_BY: "x".repeat(37) }, /invalid ECS_STARTED_BY/],
    ["zero poll interval", { ECS_POLL_INTERVAL: "0s" }, /invalid ECS_POLL_INTERVAL/],
  ];
  for (const [name, environment, message] of invalid) {
    test(`${name} is a config error`, () => {
      assert.throws(() => read(environment), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  test("RunTask settings without a cluster warn", () => {
    assert.match(read({ ECS_SUBNETS: "subnet-1" }).warnings.join("\n"), /ECS_SUBNETS apply only to RunTask/);
  });
});
