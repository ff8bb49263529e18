/** Type of a setting's value, which decides how its text is read. */
export type SettingKind = "duration" | "boolean" | "count" | "text" | "choice";

/** One setting: its flag, its environment variable and how to read it. */
export interface SettingDefinition {
  /** Long flag without the leading dashes, such as "timeout". */
  readonly flag: string;
  /** Environment variable, such as "TASK_TIMEOUT"; flags without one are command-line only. */
  readonly variable?: string;
  readonly kind: SettingKind;
  /** Placeholder of the flag's value in --help. */
  readonly valueName: string;
  /** Default as a user would write it, shown in --help. */
  readonly defaultText?: string;
  readonly choices?: readonly string[];
  readonly description: string;
}

/** Settings that name where tasks come from. */
export const SOURCE_SETTINGS = {
  taskToken: {
    flag: "task-token",
    variable: "TASK_TOKEN",
    kind: "text",
    valueName: "token",
    description: "run one task for this Step Functions task token (callback pattern), with its input from TASK_PAYLOAD",
  },
  queueUrl: {
    flag: "queue-url",
    variable: "TASK_QUEUE_URL",
    kind: "text",
    valueName: "url",
    description: "take tasks from this SQS queue",
  },
  activityArn: {
    flag: "activity-arn",
    variable: "TASK_ACTIVITY_ARN",
    kind: "text",
    valueName: "arn",
    description: "take tasks from this Step Functions activity",
  },
  payload: {
    flag: "payload",
    variable: "TASK_PAYLOAD",
    kind: "text",
    valueName: "text",
    description: "run one task with this payload",
  },
  payloadFile: {
    flag: "payload-file",
    kind: "text",
    valueName: "file",
    description: "run one task with the contents of this file as its payload; - reads Tasque's stdin",
  },
} as const satisfies Record<string, SettingDefinition>;

/** Settings of how each task runs and how its outcome is reported. */
export const TASK_SETTINGS = {
  timeout: {
    flag: "timeout",
    variable: "TASK_TIMEOUT",
    kind: "duration",
    valueName: "duration",
    defaultText: "30s",
    description: "time limit of one task, as a Go duration (300ms, 1.5s, 1h30m); 0 for none",
  },
  killGrace: {
    flag: "kill-grace",
    variable: "TASK_KILL_GRACE",
    kind: "duration",
    valueName: "duration",
    defaultText: "10s",
    description: "time between SIGTERM and SIGKILL when a task times out",
  },
  shutdownGrace: {
    flag: "shutdown-grace",
    variable: "TASK_SHUTDOWN_GRACE",
    kind: "duration",
    valueName: "duration",
    defaultText: "25s",
    description: "time running jobs get to finish after Tasque receives SIGTERM or SIGINT, before SIGKILL",
  },
  returnResult: {
    flag: "return-result",
    variable: "RETURN_RESULT",
    kind: "boolean",
    valueName: "bool",
    defaultText: "false",
    description: "the job returns a JSON result, in TASK_RESULT_FILE or as its whole stdout",
  },
  errorMessageTemplate: {
    flag: "error-message-template",
    variable: "ERROR_MESSAGE_TEMPLATE",
    kind: "text",
    valueName: "template",
    defaultText: "Host: {{.Host}} Exit: {{.Exit}} Error: {{.Error}}",
    description: "failure message, a Go template with the fields .Host .Exit .Error .Output .TaskId",
  },
} as const satisfies Record<string, SettingDefinition>;

/** Settings of the worker loop of queue and activity sources. */
export const WORKER_SETTINGS = {
  heartbeat: {
    flag: "heartbeat",
    variable: "TASK_HEARTBEAT",
    kind: "duration",
    valueName: "duration",
    defaultText: "30s",
    description: "time between heartbeats of a running task (SendTaskHeartbeat, or an SQS visibility extension)",
  },
  retryDelay: {
    flag: "retry-delay",
    variable: "TASK_RETRY_DELAY",
    kind: "duration",
    valueName: "duration",
    description: "time a failed SQS message stays invisible before it is delivered again; unset leaves it to the queue (at most 12h)",
  },
  concurrency: {
    flag: "concurrency",
    variable: "TASK_CONCURRENCY",
    kind: "count",
    valueName: "count",
    defaultText: "1",
    description: "tasks run at once",
  },
  once: {
    flag: "once",
    variable: "TASK_ONCE",
    kind: "boolean",
    valueName: "bool",
    defaultText: "false",
    description: "wait for one task, run it, and exit with its exit code",
  },
  maxTasks: {
    flag: "max-tasks",
    variable: "TASK_MAX_TASKS",
    kind: "count",
    valueName: "count",
    description: "exit after this many tasks",
  },
  stopWhenEmpty: {
    flag: "stop-when-empty",
    variable: "TASK_STOP_WHEN_EMPTY",
    kind: "boolean",
    valueName: "bool",
    defaultText: "false",
    description: "exit once no task is running and a receive finds the source empty",
  },
} as const satisfies Record<string, SettingDefinition>;

/** Settings that choose and configure the executor. */
export const EXECUTOR_SETTINGS = {
  executor: {
    flag: "executor",
    kind: "choice",
    valueName: "name",
    choices: ["process", "docker", "ecs"],
    description: "how each task runs: process, docker or ecs; without it, DOCKER=true with DEPLOY_METHOD=DOCKER or ECS decides, as in the Go tool",
  },
  dockerEndpoint: {
    flag: "docker-endpoint",
    variable: "DOCKER_ENDPOINT",
    kind: "text",
    valueName: "address",
    defaultText: "DOCKER_HOST, else unix:///var/run/docker.sock",
    description: "Docker Engine address, unix:///PATH or tcp://HOST:PORT (TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH)",
  },
  dockerContainerName: {
    flag: "docker-container-name",
    variable: "DOCKER_CONTAINER_NAME",
    kind: "text",
    valueName: "name",
    defaultText: "tasque",
    description: "base of container names; each task's container is <name>-<task id>",
  },
  dockerTaskDefinition: {
    flag: "docker-task-definition",
    variable: "DOCKER_TASK_DEFINITION",
    kind: "text",
    valueName: "json",
    description: 'container settings as JSON, such as {"ImageName": "busybox:1.36", "Memory": "512m"}',
  },
  dockerPull: {
    flag: "docker-pull",
    variable: "DOCKER_PULL",
    kind: "choice",
    valueName: "policy",
    defaultText: "missing",
    choices: ["always", "missing", "never"],
    description: "when to pull the image",
  },
  dockerPayloadEnv: {
    flag: "docker-payload-env",
    variable: "DOCKER_PAYLOAD_ENV",
    kind: "boolean",
    valueName: "bool",
    defaultText: "true",
    description: "pass TASK_PAYLOAD in the container's environment, where docker inspect shows it",
  },
  dockerTaskDir: {
    flag: "docker-task-dir",
    variable: "DOCKER_TASK_DIR",
    kind: "text",
    valueName: "path",
    defaultText: "/tasque",
    description: "folder inside the container for the payload file and the result file",
  },
} as const satisfies Record<string, SettingDefinition>;

/** Settings of the ECS executor. */
export const ECS_SETTINGS = {
  ecsTaskDefinition: {
    flag: "ecs-task-definition",
    variable: "ECS_TASK_DEFINITION",
    kind: "text",
    valueName: "name",
    description: "task definition of each ECS task: family, family:revision or ARN",
  },
  ecsContainerName: {
    flag: "ecs-container-name",
    variable: "ECS_CONTAINER_NAME",
    kind: "text",
    valueName: "name",
    description: "container that gets the payload and whose exit code is the outcome",
  },
  ecsCluster: {
    flag: "ecs-cluster",
    variable: "ECS_CLUSTER",
    kind: "text",
    valueName: "name",
    description: "run tasks on this cluster with RunTask; without it, StartTask on this container instance, found through the ECS agent",
  },
  ecsLaunchType: {
    flag: "ecs-launch-type",
    variable: "ECS_LAUNCH_TYPE",
    kind: "choice",
    valueName: "type",
    choices: ["EC2", "FARGATE", "EXTERNAL"],
    description: "RunTask launch type",
  },
  ecsCapacityProviders: {
    flag: "ecs-capacity-providers",
    variable: "ECS_CAPACITY_PROVIDERS",
    kind: "text",
    valueName: "list",
    description: "RunTask capacity provider strategy, as name:weight:base,...",
  },
  ecsSubnets: {
    flag: "ecs-subnets",
    variable: "ECS_SUBNETS",
    kind: "text",
    valueName: "list",
    description: "comma-separated subnet ids, for awsvpc networking and Fargate",
  },
  ecsSecurityGroups: {
    flag: "ecs-security-groups",
    variable: "ECS_SECURITY_GROUPS",
    kind: "text",
    valueName: "list",
    description: "comma-separated security group ids, for awsvpc networking and Fargate",
  },
  ecsAssignPublicIp: {
    flag: "ecs-assign-public-ip",
    variable: "ECS_ASSIGN_PUBLIC_IP",
    kind: "choice",
    valueName: "value",
    choices: ["ENABLED", "DISABLED"],
    description: "give awsvpc tasks a public IP address",
  },
  ecsPlatformVersion: {
    flag: "ecs-platform-version",
    variable: "ECS_PLATFORM_VERSION",
    kind: "text",
    valueName: "version",
    description: "Fargate platform version, such as LATEST or 1.4.0",
  },
  ecsTags: {
    flag: "ecs-tags",
    variable: "ECS_TAGS",
    kind: "text",
    valueName: "list",
    description: "tags of each ECS task, as key=value,...",
  },
  ecsStartedBy: {
    flag: "ecs-started-by",
    variable: "ECS_STARTED_BY",
    kind: "text",
    valueName: "text",
    defaultText: "tasque",
    description: "startedBy of each ECS task, up to 36 letters, digits, _ and -",
  },
  ecsAgentUri: {
    flag: "ecs-agent-uri",
    variable: "ECS_AGENT_URI",
    kind: "text",
    valueName: "url",
    defaultText: "http://localhost:51678",
    description: "ECS agent introspection API, used to find this container instance when ECS_CLUSTER is unset",
  },
  ecsPollInterval: {
    flag: "ecs-poll-interval",
    variable: "ECS_POLL_INTERVAL",
    kind: "duration",
    valueName: "duration",
    defaultText: "6s",
    description: "time between DescribeTasks calls while ECS tasks run",
  },
} as const satisfies Record<string, SettingDefinition>;

/** Settings of Tasque's own log. */
export const LOG_SETTINGS = {
  logFormat: {
    flag: "log-format",
    variable: "LOG_FORMAT",
    kind: "choice",
    valueName: "format",
    defaultText: "text",
    choices: ["text", "json"],
    description: "log as human-readable text or as one JSON object a line",
  },
  logLevel: {
    flag: "log-level",
    variable: "LOG_LEVEL",
    kind: "choice",
    valueName: "level",
    defaultText: "info",
    choices: ["trace", "debug", "info", "warn", "error", "fatal", "silent"],
    description: "minimum level logged; payloads are logged only at debug and trace",
  },
} as const satisfies Record<string, SettingDefinition>;

/** Every setting that has one value, keyed by its name in the parsed flags. */
export const SETTINGS = { ...SOURCE_SETTINGS, ...TASK_SETTINGS, ...WORKER_SETTINGS, ...EXECUTOR_SETTINGS, ...ECS_SETTINGS, ...LOG_SETTINGS };
export type SettingName = keyof typeof SETTINGS;

/** Environment variables that each choose a source, in the order that decides between them. */
export const SOURCE_VARIABLES = ["TASK_TOKEN", "TASK_PAYLOAD", "TASK_QUEUE_URL", "TASK_ACTIVITY_ARN"] as const;
