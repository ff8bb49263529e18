import type { ActivityThroughputRow } from "./activityThroughput.ts";
import type { DockerResult } from "./docker.ts";
import type { IdleRow } from "./idleCost.ts";
import type { LatencyRow } from "./latency.ts";
import type { MachineInfo } from "./machine.ts";
import type { MemoryRow } from "./memory.ts";
import type { PayloadResult } from "./payload.ts";
import type { WorkerProfile } from "./profileWorker.ts";
import type { SqsThroughputRow } from "./sqsThroughput.ts";
import type { StartupResult } from "./startup.ts";

/** Everything one run measured. A step that failed leaves its field undefined and adds an entry to `failures`. */
export interface BenchResults {
  readonly machine: MachineInfo;
  startup?: StartupResult;
  sqsThroughput?: SqsThroughputRow[];
  latency?: LatencyRow[];
  activityThroughput?: ActivityThroughputRow[];
  idle?: IdleRow[];
  memory?: MemoryRow[];
  payload?: PayloadResult;
  docker?: DockerResult;
  profiles?: WorkerProfile[];
  /** Step name and error message of each step that failed. */
  readonly failures: Array<{ step: string; message: string }>;
  /** Wall time of the whole run, in milliseconds. */
  durationMs?: number;
}
