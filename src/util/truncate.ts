/**
 * Cuts `text` to at most `maxUnits` UTF-16 code units, the unit in which
 * JavaScript strings and AWS Step Functions count length, without cutting a
 * surrogate pair in half.
 */
export function truncateUtf16(text: string, maxUnits: number): string {
  if (text.length <= maxUnits) return text;
  const last = text.charCodeAt(maxUnits - 1);
  const cutsPair = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, cutsPair ? maxUnits - 1 : maxUnits);
}
