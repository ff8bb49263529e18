import { readFileSync } from "node:fs";

/** The parts of a V8 .cpuprofile file (as `node --cpu-prof` writes it) that the summary reads. */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: CallFrame; children?: readonly number[] }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

/** Sampled time of one function or one area of code, in milliseconds. */
export interface SampledTime {
  readonly name: string;
  readonly ms: number;
}

/**
 * Sampled times of a profile. Self time is charged to the function on top
 * of the stack. Inclusive time is charged once per sample to every function
 * and area on the stack, so it shows what a function and its callees cost.
 * Areas are Tasque's own code, each package, Node.js internals, GC and idle.
 */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly selfByArea: readonly SampledTime[];
  readonly selfByFunction: readonly SampledTime[];
  readonly inclusiveByArea: readonly SampledTime[];
  readonly inclusiveByFunction: readonly SampledTime[];
}

/** Reads a .cpuprofile file and adds up the sampled time of each function and each area of code. */
export function summarizeProfile(path: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = parentMap(profile);
  const totals = { selfByArea: new Map(), selfByFunction: new Map(), inclusiveByArea: new Map(), inclusiveByFunction: new Map() } satisfies Record<string, Map<string, number>>;
  let totalMs = 0;

  profile.samples.forEach((nodeId, index) => {
    // timeDeltas[i] is the time before sample i, in microseconds, and it is charged to that sample's stack.
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    totalMs += ms;
    const top = frames.get(nodeId)!;
    add(totals.selfByFunction, functionName(top), ms);
    add(totals.selfByArea, areaOf(top), ms);
    const stackFunctions = new Set<string>();
    const stackAreas = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
      const frame = frames.get(id)!;
      if (frame.functionName === "(root)") continue;
      stackFunctions.add(functionName(frame));
      stackAreas.add(areaOf(frame));
    }
    for (const name of stackFunctions) add(totals.inclusiveByFunction, name, ms);
    for (const area of stackAreas) add(totals.inclusiveByArea, area, ms);
  });

  return {
    totalMs,
    selfByArea: sortedTimes(totals.selfByArea),
    selfByFunction: sortedTimes(totals.selfByFunction),
    inclusiveByArea: sortedTimes(totals.inclusiveByArea),
    inclusiveByFunction: sortedTimes(totals.inclusiveByFunction),
  };
}

function parentMap(profile: CpuProfile): Map<number, number> {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  return parents;
}

function add(times: Map<string, number>, name: string, ms: number): void {
  times.set(name, (times.get(name) ?? 0) + ms);
}

function sortedTimes(times: Map<string, number>): SampledTime[] {
  return [...times].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

function functionName(frame: CallFrame): string {
  return `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/** Names the area a function belongs to: a package under node_modules, Tasque's dist folder, Node.js itself, or a V8 pseudo-function such as (garbage collector). */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const nodeModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModules) return nodeModules[1]!;
  if (url.includes("/dist/")) return "tasque (dist)";
  return url;
}

function shortUrl(url: string): string {
  const nodeModules = url.lastIndexOf("node_modules/");
  if (nodeModules !== -1) return url.slice(nodeModules + "node_modules/".length);
  const dist = url.indexOf("/dist/");
  return dist !== -1 ? url.slice(dist + 1) : url;
}
