/** Failure keys for the `failures` reasons of RunTask and StartTask, as the Go tool named them. */
export function failureKeyForReason(reason: string): string {
  if (reason === "RESOURCE:CPU") return "CPU";
  if (reason === "RESOURCE:MEMORY") return "MEMORY";
  if (reason.startsWith("RESOURCE:")) return "RESOURCE";
  if (reason === "AGENT") return "AGENT";
  if (reason === "ATTRIBUTE") return "ATTRIBUTE";
  return "UNKNOWN";
}
