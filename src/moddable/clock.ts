// ClockPort: uptime from Time.ticks (made monotonic across the 32-bit wrap), wall clock from
// Date.now() once it is plausible (SNTP or the host's clock).
import Time from "time";
import type { ClockPort } from "../core/ports";

/** 2024-01-01T00:00:00Z: an earlier Date.now() means the clock was never set. */
export const CLOCK_VALID_AFTER_MS = 1_704_067_200_000;

export function clockValid(): boolean {
  return Date.now() > CLOCK_VALID_AFTER_MS;
}

export function moddableClock(): ClockPort {
  let last = Time.ticks;
  let uptime = 0;
  return {
    uptimeMs(): number {
      const now = Time.ticks;
      uptime += Time.delta(last, now);
      last = now;
      return uptime;
    },
    unixSeconds(): number | undefined {
      return clockValid() ? Math.floor(Date.now() / 1000) : undefined;
    },
  };
}
