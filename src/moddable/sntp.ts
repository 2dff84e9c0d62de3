// SNTP as the first time source of PROTOCOL §9: asked after every join, and retried in the
// background with backoff (15 s doubling to 30 min) until a server answers, never just once.
import SNTP from "sntp";
import Timer from "timer";
import type { Logger } from "../core/log";
import { sntpRetryDelay } from "../core/wall-clock";
import { adoptTime, wallClock } from "./clock";

/** One attempt: the SDK's client resends every 5 s; give up on it after this. */
export const SNTP_TIMEOUT_MS = 10_000;

interface Attempt { close(): void }

// Made on first use (preloaded module).
let retry: Timer | undefined;
let failures = 0;
let current: Attempt | undefined;

/** One SNTP exchange; `done(true)` once a time was adopted, `done(false)` on error or timeout. */
function ask(host: string, log: Logger, done: (ok: boolean) => void): Attempt {
  let client: { close(): void } | undefined;
  let finished = false;
  const finish = (ok: boolean, notify = true): void => {
    if (finished) return;
    finished = true;
    Timer.clear(timer);
    try {
      client?.close();
    } catch {
      // already closed by the SDK after an answer or a failure
    }
    if (notify) done(ok);
  };
  const timer = Timer.set(() => {
    log.warn("sntp.timeout", { host, after_ms: SNTP_TIMEOUT_MS });
    finish(false);
  }, SNTP_TIMEOUT_MS);
  try {
    client = new SNTP({ host }, (message, value) => {
      if (message === SNTP.time && typeof value === "number") {
        log.info("sntp.time", { host, unix: value });
        finish(adoptTime("sntp", value));
      } else if (message === SNTP.error) {
        log.warn("sntp.failed", { host, error: typeof value === "string" ? value : "" });
        finish(false);
      }
      return undefined;
    }) as unknown as { close(): void };
  } catch (e) {
    log.warn("sntp.failed", { host, error: String(e) });
    finish(false);
  }
  return { close: () => finish(false, false) };
}

function stop(): void {
  Timer.clear(retry);
  retry = undefined;
  const c = current;
  current = undefined;
  c?.close();
}

/**
 * After a join: calls `done` once the clock is valid or the first attempt ended (answer, error,
 * timeout); at once when no server is configured or SNTP already set the clock. Failed attempts
 * are retried in the background with backoff; a new join starts over at once.
 */
export function syncClock(host: string, log: Logger, done: () => void): void {
  if (host.length === 0 || wallClock().source === "sntp" || wallClock().source === "host") return done();
  stop();
  failures = 0;
  let first = true;
  // A time heard from an authenticated message is valid already: SNTP is still asked, without waiting for it.
  if (wallClock().now() !== undefined) {
    first = false;
    done();
  }
  const attempt = (): void => {
    retry = undefined;
    current = ask(host, log, (ok) => {
      current = undefined;
      if (first) {
        first = false;
        done();
      }
      if (ok || wallClock().source === "sntp") return;
      const ms = sntpRetryDelay(failures++, Math.random);
      log.info("sntp.retry", { host, after_ms: ms, attempt: failures });
      retry = Timer.set(attempt, ms);
    });
  };
  attempt();
}
