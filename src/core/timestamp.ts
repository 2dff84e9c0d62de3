// Timestamps (PROTOCOL §9): emit integer Unix seconds, 0 while the clock is not valid;
// accept seconds or milliseconds, as numbers or numeric strings.

/** Above this a received value is milliseconds. */
export const MILLISECONDS_THRESHOLD = 1e11;

/** 9999-12-31T23:59:59Z: anything later is garbage, not a time. */
export const MAX_UNIX_SECONDS = 253402300799;

// Made on first use, never at module load: the module is preloaded (run at build time) and XS 17.7
// crashes in RegExp.prototype.exec on a preloaded RegExp after a few GCs (README).
let numericRe: RegExp | undefined;
const numeric = (): RegExp => (numericRe ??= /^[0-9]+(?:\.[0-9]+)?$/);

/**
 * Unix seconds, or undefined for anything that is not a usable time. 0 is the
 * "clock not valid" marker (§9) and also yields undefined. Never throws.
 */
export function parseTimestamp(v: unknown): number | undefined {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && v.length <= 40 && numeric().test(v)) n = Number(v);
  else return undefined;
  // NaN, ±Infinity, 0, negatives and fractions below 1 all fail the range test
  const seconds = Math.floor(n > MILLISECONDS_THRESHOLD ? n / 1000 : n);
  return seconds >= 1 && seconds <= MAX_UNIX_SECONDS ? seconds : undefined;
}

/** Integer seconds for an outbound message; 0 when the time is unknown or not a valid time. */
export function emitTimestamp(unixSeconds: number | undefined): number {
  const seconds = Math.floor(Number(unixSeconds));
  return seconds >= 1 && seconds <= MAX_UNIX_SECONDS ? seconds : 0;
}
