// ClockPort over the core's WallClock (PROTOCOL §9). Uptime from Time.ticks (monotonic across the
// 32-bit wrap). The wall clock is valid once SNTP (./sntp) or a message heard over an
// authenticated TLS session set it, or where the host vouches for its own clock (the desktop
// simulator). Every accepted time is also set as the system time (Time.set), so that Date.now()
// and the SDK's own users of it agree; the TLS certificate manager (./tls-cert) judges dates
// through the same WallClock. The last valid time is persisted (preference/NVS), hourly.
import Time from "time";
import type { Logger } from "../core/log";
import { nvsChecked } from "../core/nvs";
import type { ClockPort } from "../core/ports";
import { type TimeSource, WallClock } from "../core/wall-clock";
import { preferenceStore } from "./store";

/** 2026-11-01T00:00:00Z: no unit of this firmware runs earlier (hosts raise it to the build time). */
export const FIRMWARE_TIME_FLOOR_S = 1_793_491_200;

// Module state is made on first use, never at load: this module is preloaded (run at build time).
let ticks: number | undefined;
let uptime = 0;
let floorS = FIRMWARE_TIME_FLOOR_S;
let wall: WallClock | undefined;
let log: Logger | undefined;

/** Milliseconds since the first call (at boot). */
export function uptimeMs(): number {
  const now = Time.ticks;
  if (ticks !== undefined) uptime += Time.delta(ticks, now);
  ticks = now;
  return uptime;
}

/** The firmware's build time where the platform knows it (ESP32: the app descriptor); call before first use. */
export function raiseTimeFloor(unixS: number): void {
  if (Number.isInteger(unixS) && unixS > floorS) floorS = unixS;
}

/** Where clock events are logged (the app's logger, once it exists). */
export function setClockLog(logger: Logger): void {
  log = logger;
}

export function wallClock(): WallClock {
  return (wall ??= new WallClock({ uptimeMs, buildTimeS: floorS, store: nvsChecked(preferenceStore) }));
}

/** A time from `source`: adopted (system time set, persisted) unless the WallClock refuses it. */
export function adoptTime(source: TimeSource, unixS: number): boolean {
  const w = wallClock();
  const r = source === "sntp" ? w.sntp(unixS) : source === "host" ? w.host(unixS) : w.heard(unixS);
  if (!r.ok) {
    // A message's time is offered on every reply and ignored once SNTP set the clock: only SNTP's refusal is news.
    if (source === "message") log?.debug("clock.ignored", { source, unix: unixS, why: r.why });
    else log?.warn("clock.ignored", { source, unix: unixS, why: r.why });
    return false;
  }
  if (source !== "host") Time.set(unixS);
  log?.info("clock.set", { source, unix: unixS });
  persist();
  return true;
}

function persist(): void {
  try {
    const saved = wallClock().persist();
    if (saved !== undefined) log?.debug("clock.persisted", { unix: saved });
  } catch (e) {
    log?.warn("clock.persist_failed", { error: String(e) });
  }
}

/** The platform's own clock is right (desktop simulator): adopt it. */
export function trustSystemClock(): void {
  adoptTime("host", Math.floor(Date.now() / 1000));
}

export function moddableClock(): ClockPort {
  return {
    uptimeMs,
    unixSeconds(): number | undefined {
      const now = wallClock().now();
      if (now !== undefined) persist();
      return now;
    },
    heard(unixSeconds: number): void {
      adoptTime("message", unixSeconds);
    },
  };
}
