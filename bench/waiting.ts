import { setTimeout as delay } from "node:timers/promises";

/** Checks `condition` every `intervalMs` until it holds. Rejects with an error naming `what` after `limitMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs: number, intervalMs = 5): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}
