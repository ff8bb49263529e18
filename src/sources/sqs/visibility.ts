/** SQS's limit on a message's total invisibility since it was received: 12 hours. */
export const MAX_VISIBILITY_SEC = 43_200;

/** Shortest heartbeat interval, so that a queue with a tiny visibility timeout does not cause a storm of calls. */
const MIN_HEARTBEAT_MS = 1000;

/**
 * Returns the heartbeat interval for a queue: TASK_HEARTBEAT, but at most
 * half the queue's visibility timeout, so that the first extension comes
 * before the message would become visible again.
 */
export function heartbeatIntervalMs(heartbeatMs: number, queueVisibilitySec: number): number {
  return Math.max(MIN_HEARTBEAT_MS, Math.min(heartbeatMs, (queueVisibilitySec * 1000) / 2));
}

/** A visibility extension: the timeout to set, and whether the 12-hour limit cut it short. */
export interface Extension {
  readonly visibilitySec: number;
  readonly capped: boolean;
}

/**
 * Returns the visibility timeout a heartbeat sets: two heartbeat intervals,
 * never less than the queue's own visibility timeout, and never past SQS's
 * 12-hour limit counted from when the message was received.
 */
export function nextExtension(intervalMs: number, queueVisibilitySec: number, receivedAgoMs: number): Extension {
  const desiredSec = Math.max(Math.ceil((2 * intervalMs) / 1000), queueVisibilitySec);
  const remainingSec = Math.floor(MAX_VISIBILITY_SEC - receivedAgoMs / 1000);
  if (desiredSec <= remainingSec) return { visibilitySec: desiredSec, capped: false };
  return { visibilitySec: Math.max(0, remainingSec), capped: true };
}
