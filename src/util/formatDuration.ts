/** Formats milliseconds the way Go prints durations, such as "1h30m0s", "1.5s" or "250ms", for messages. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return "0s";
  if (milliseconds < 1) return `${trimNumber(milliseconds)}ms`;
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  const hours = Math.floor(milliseconds / 3_600_000);
  const minutes = Math.floor((milliseconds % 3_600_000) / 60_000);
  const seconds = (milliseconds % 60_000) / 1000;
  const secondsText = `${trimNumber(seconds)}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

function trimNumber(value: number): string {
  return String(Number(value.toFixed(3)));
}
