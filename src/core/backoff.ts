// Reconnect backoff (PROTOCOL §10): exponential, 1 s doubling to a 60 s cap, full jitter;
// reset only after a connection has stayed up for RESET_AFTER_STABLE_MS.

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 60000;
export const RESET_AFTER_STABLE_MS = 60000;

// 2^MAX_EXPONENT times any sane base is far past any sane cap.
const MAX_EXPONENT = 40;

/** A draw of `random()` forced into [0, 1): a broken source can never yield NaN or a delay at the ceiling. */
export function unit(random: () => number): number {
  return Math.min(Math.max(random() || 0, 0), 1 - Number.EPSILON);
}

function checkMs(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number of ms >= 0`);
}

/** Full jitter: an integer in [0, min(cap, base * 2^attempt)). `attempt` counts from 0. */
export function backoffDelay(attempt: number, random: () => number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  checkMs("baseMs", baseMs);
  checkMs("capMs", capMs);
  const exp = Math.min(Math.max(Math.floor(attempt) || 0, 0), MAX_EXPONENT);
  const ceiling = Math.min(capMs, baseMs * 2 ** exp);
  return Math.floor(unit(random) * ceiling);
}

/** `ms` spread uniformly by ±`spread` (a fraction), as an integer; e.g. the 10 s request re-sends. */
export function jittered(ms: number, random: () => number, spread = 0.2): number {
  checkMs("ms", ms);
  const s = Number.isFinite(spread) ? Math.min(Math.max(spread, 0), 1) : 0;
  return Math.round(ms * (1 - s + 2 * s * unit(random)));
}
