import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { REPO_ROOT } from "./environment.ts";

/** The machine and moment of a run, as RESULTS.md states them. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly nodeVersion: string;
  readonly date: string;
  /** One-minute load average when the run started, because other work on the machine skews every number. */
  readonly loadAverageAtStart: number;
  /** The commit the benchmarked build comes from, marked when src/ has uncommitted changes. */
  readonly sourceVersion: string;
}

export function describeMachine(): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    memoryBytes: totalmem(),
    nodeVersion: process.version,
    date: new Date().toISOString(),
    loadAverageAtStart: loadavg()[0]!,
    sourceVersion: describeSourceVersion(),
  };
}

/** Returns the short commit id of HEAD, with a note when src/ differs from it. Runs only read-only git commands. */
function describeSourceVersion(): string {
  try {
    const git = (...args: string[]): string => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const commit = git("rev-parse", "--short", "HEAD");
    return git("status", "--porcelain", "--", "src") === "" ? commit : `${commit}, with uncommitted changes in src/`;
  } catch {
    return "unknown (not a git checkout)";
  }
}
