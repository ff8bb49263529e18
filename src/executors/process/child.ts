import { spawn, type ChildProcess } from "node:child_process";
import { finished } from "node:stream/promises";
import type { Writable } from "node:stream";
import type { Logger } from "../../log/logger.ts";
import { setLongTimeout, sleep, type LongTimer } from "../../util/timers.ts";
import type { StopRequest, StopSignal } from "../stop.ts";
import { OutputCollector, type CollectedOutput } from "../output.ts";

/**
 * How long Tasque keeps reading the job's output after the job exits. Output
 * written just before exit is already in the pipe and arrives well within
 * it. Only a background process that keeps the pipe open makes Tasque wait
 * this long before closing it.
 */
export const OUTPUT_DRAIN_MS = 1000;

/** Settings of one job process. */
export interface ChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  /** Text written to the job's stdin, which is then closed. */
  readonly stdin: string;
  /** Keep the whole stdout for a result. */
  readonly captureStdout: boolean;
  readonly stop: StopSignal;
  readonly log: Logger;
  readonly drainMs?: number;
}

/** End state and output of one job process. */
export interface ChildReport extends CollectedOutput {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process never started: the errno code from spawn, such as ENOENT. */
  readonly spawnError?: NodeJS.ErrnoException;
}

/**
 * Runs the job in a process group of its own, feeds its stdin, logs its
 * output line by line, and returns once the job has exited, its output is
 * drained, and nothing of its process group is left.
 */
export async function runChild(options: ChildOptions): Promise<ChildReport> {
  const child = spawn(options.command, options.args, {
    detached: true,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = waitForExit(child);
  const spawnError = await waitForSpawn(child);
  if (spawnError) return { exitCode: null, signal: null, spawnError, stderrTail: "", stdoutOverflow: false };

  const pid = child.pid!;
  child.on("error", (error) => options.log.warn({ err: error }, "job process error"));
  const output = collectOutput(child, options);
  feedStdin(child.stdin!, options.stdin, options.log);
  const killer = new GroupKiller(pid, options.log);
  const unsubscribe = options.stop.onRequest((request) => killer.handle(request));

  try {
    const { exitCode, signal } = await exited;
    await output.drain(options.drainMs ?? OUTPUT_DRAIN_MS);
    return { exitCode, signal, ...output.finish() };
  } finally {
    unsubscribe();
    killer.cancel();
    signalGroup(pid, "SIGKILL", options.log);
    output.close();
  }
}

function waitForSpawn(child: ChildProcess): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", (error) => resolve(error as NodeJS.ErrnoException));
  });
}

function waitForExit(child: ChildProcess): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.once("exit", (exitCode, signal) => resolve({ exitCode, signal }));
  });
}

function feedStdin(stdin: Writable, payload: string, log: Logger): void {
  stdin.on("error", (error: NodeJS.ErrnoException) => {
    // A job that exits or closes stdin before reading all of it is normal.
    if (error.code === "EPIPE" || error.code === "ECONNRESET" || error.code === "ERR_STREAM_DESTROYED") {
      log.debug({ code: error.code }, "job closed stdin before reading the whole payload");
    } else {
      log.warn({ err: error }, "writing the payload to the job's stdin failed");
    }
  });
  stdin.end(payload);
}

/** Feeds stdout and stderr into an OutputCollector and drains them after the job exits. */
function collectOutput(child: ChildProcess, options: ChildOptions) {
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  const collector = new OutputCollector(options.log, options.captureStdout);
  stdout.on("data", (chunk: Buffer) => collector.write("stdout", chunk));
  stderr.on("data", (chunk: Buffer) => collector.write("stderr", chunk));

  return {
    /** Waits until both streams end, or `drainMs` at most. */
    async drain(drainMs: number): Promise<void> {
      const ended = Promise.all([finished(stdout), finished(stderr)]).catch(() => undefined);
      const timeout = new AbortController();
      await Promise.race([ended, sleep(drainMs, timeout.signal)]);
      timeout.abort();
    },
    finish: (): CollectedOutput => collector.finish(),
    close(): void {
      stdout.destroy();
      stderr.destroy();
      child.stdin?.destroy();
    },
  };
}

/** Sends a stop request's signals to the job's process group: the signal, then SIGKILL after the grace. */
class GroupKiller {
  #killTimer: LongTimer | undefined;

  constructor(
    private readonly pid: number,
    private readonly log: Logger,
  ) {}

  handle(request: StopRequest): void {
    this.cancel();
    if (request.graceMs <= 0) {
      signalGroup(this.pid, "SIGKILL", this.log);
      return;
    }
    signalGroup(this.pid, request.signal, this.log);
    this.#killTimer = setLongTimeout(() => {
      this.log.warn({ graceMs: request.graceMs }, "job did not exit within the grace period; killing its process group");
      signalGroup(this.pid, "SIGKILL", this.log);
    }, request.graceMs);
  }

  cancel(): void {
    this.#killTimer?.cancel();
    this.#killTimer = undefined;
  }
}

/**
 * Signals every process of the group led by `pid`; a group that is already gone is fine.
 * NOTE: a process that the job moves into a session of its own (setsid) leaves the group and is not reached.
 */
function signalGroup(pid: number, signal: NodeJS.Signals, log: Logger): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ESRCH") log.warn({ err: error, signal }, "signalling the job's process group failed");
  }
}
