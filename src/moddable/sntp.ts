// Wall clock before TLS: certificate validity is checked against Date.now(), so a device whose
// clock was never set must ask an SNTP server first (the host's clock is already valid on the simulator).
import SNTP from "sntp";
import Time from "time";
import Timer from "timer";
import type { Logger } from "../core/log";
import { clockValid } from "./clock";

export const SNTP_TIMEOUT_MS = 10_000;

/** Calls `done` once: at once when the clock is valid or no server is configured, else after SNTP answers, fails or times out. */
export function syncClock(host: string, log: Logger, done: () => void): void {
  if (clockValid() || host.length === 0) return done();
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    Timer.clear(timer);
    done();
  };
  const timer = Timer.set(() => {
    log.warn("sntp.timeout", { host, after_ms: SNTP_TIMEOUT_MS });
    finish();
  }, SNTP_TIMEOUT_MS);
  try {
    new SNTP({ host }, (message, value) => {
      if (message === SNTP.time && value !== undefined) {
        Time.set(value);
        log.info("sntp.time", { host, unix: value });
        finish();
      } else if (message === SNTP.error) {
        log.warn("sntp.failed", { host });
        finish();
      }
    });
  } catch (e) {
    log.warn("sntp.failed", { host, error: String(e) });
    finish();
  }
}
