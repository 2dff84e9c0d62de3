// The wall clock from the time sources of PROTOCOL §9, in order: SNTP (retried with backoff),
// the timestamp of a message received over an authenticated TLS session, the last valid time
// persisted on the device, the firmware's build time as the floor. Only the first two make the
// clock valid (timestamps are emitted); the last two give a lower bound of the real time that
// certificates are judged against while the clock is not valid: never refused as "not yet
// valid", refused as expired only when they expired before that lower bound.
import { jittered } from "./backoff";
import type { KeyValueStore } from "./ports";
import { MAX_UNIX_SECONDS, parseTimestamp } from "./timestamp";

/** `host`: the platform keeps its own clock (desktop simulator, Node); it ranks with SNTP. */
export type TimeSource = "sntp" | "host" | "message";

/** Where the last valid time is persisted (NVS names ≤ 15 characters; an int32 of Unix seconds). */
export const CLOCK_DOMAIN = "clock";
export const LAST_TIME_KEY = "last_s";
/** A valid clock is persisted at most this often (flash wear), and once as soon as it becomes valid. */
export const PERSIST_EVERY_S = 3600;
/** int32: NVS stores no larger integer (2038-01-19). */
const INT32_MAX = 0x7fffffff;

/** SNTP retries: 15 s doubling to 30 min, ±20 % jitter (never once and never in lockstep). */
export const SNTP_RETRY_FIRST_MS = 15_000;
export const SNTP_RETRY_CAP_MS = 30 * 60_000;

/** The delay before SNTP attempt `attempt + 1` (attempt counts failed tries from 0). */
export function sntpRetryDelay(attempt: number, random: () => number): number {
  const exp = Math.min(Math.max(0, Math.floor(attempt)), 20);
  return jittered(Math.min(SNTP_RETRY_CAP_MS, SNTP_RETRY_FIRST_MS * 2 ** exp), random);
}

/** A certificate's validity period in Unix seconds (notBefore, notAfter). */
export interface Validity { fromS: number; toS: number }

export type CertVerdict = { ok: true } | { ok: false; reason: "expired" | "not_yet_valid" | "malformed" };

/** The instant (Unix seconds) at which a whole chain is judged, or why it is refused. */
export type ChainVerdict = { ok: true; atS: number } | { ok: false; reason: "expired" | "not_yet_valid" | "malformed" | "disjoint" };

export interface WallClockOptions {
  /** Monotonic milliseconds since boot. */
  uptimeMs(): number;
  /** The firmware's build time (Unix seconds): the floor of every estimate. */
  buildTimeS: number;
  /** Where the last valid time lives across restarts; absent: nothing is persisted. */
  store?: KeyValueStore;
}

export type Accepted = { ok: true } | { ok: false; why: string };

export class WallClock {
  readonly #o: WallClockOptions;
  /** A valid time and the uptime it was taken at. */
  #anchorS = 0;
  #anchorUptimeMs = 0;
  #source: TimeSource | undefined;
  /** The last valid time persisted before this boot (0: none), and the uptime this boot started at. */
  readonly #persistedS: number;
  #lastSavedS = -Infinity;

  constructor(o: WallClockOptions) {
    this.#o = o;
    this.#persistedS = readPersisted(o.store);
  }

  /** Where the valid time came from, or undefined while the clock is not valid. */
  get source(): TimeSource | undefined {
    return this.#source;
  }

  /** The last valid time persisted before this boot (0: none). */
  get persistedS(): number {
    return this.#persistedS;
  }

  /** Unix seconds when the clock is valid, else undefined. */
  now(): number | undefined {
    if (this.#source === undefined) return undefined;
    return this.#anchorS + Math.floor((this.#o.uptimeMs() - this.#anchorUptimeMs) / 1000);
  }

  /**
   * The latest time the real time is known not to be before: the valid time, else the larger of
   * the build time and the persisted time, plus the uptime of this boot (both lie before it).
   */
  lowerBoundS(): number {
    const now = this.now();
    if (now !== undefined) return now;
    return Math.max(this.#o.buildTimeS, this.#persistedS) + Math.floor(this.#o.uptimeMs() / 1000);
  }

  /** An SNTP answer (unauthenticated but first in order): accepted unless it lies before the lower bound. */
  sntp(unixS: number): Accepted {
    return this.#set("sntp", unixS, this.#o.buildTimeS);
  }

  /** The platform's own clock (a desktop simulator): valid as SNTP is. */
  host(unixS: number): Accepted {
    return this.#set("host", unixS, this.#o.buildTimeS);
  }

  /**
   * The timestamp of a message received over an authenticated TLS session (seconds or
   * milliseconds, number or numeric string). Ignored once SNTP set the clock.
   */
  heard(timestamp: unknown): Accepted {
    if (this.#source === "sntp" || this.#source === "host") return { ok: false, why: `clock set by ${this.#source}` };
    const t = parseTimestamp(timestamp);
    if (t === undefined) return { ok: false, why: "no usable timestamp" };
    return this.#set("message", t, Math.max(this.#o.buildTimeS, this.#persistedS));
  }

  /**
   * Before the build time: a wrong answer, not a time. A message may not move the clock before the
   * persisted time either; SNTP may (it outranks a persisted time that a wrong clock once wrote).
   */
  #set(source: TimeSource, unixS: number, floorS: number): Accepted {
    if (!Number.isInteger(unixS) || unixS <= 0 || unixS > MAX_UNIX_SECONDS) return { ok: false, why: "not a time" };
    if (unixS < floorS) return { ok: false, why: "before the last known time" };
    this.#anchorS = unixS;
    this.#anchorUptimeMs = this.#o.uptimeMs();
    this.#source = source;
    return { ok: true };
  }

  /**
   * Persists the valid time when it is due (first valid time of this boot, then hourly).
   * Returns the seconds written, or undefined. Throws what the store throws.
   */
  persist(): number | undefined {
    const now = this.now();
    const store = this.#o.store;
    if (now === undefined || !store || now > INT32_MAX) return undefined;
    if (now - this.#lastSavedS < PERSIST_EVERY_S) return undefined;
    store.set(CLOCK_DOMAIN, LAST_TIME_KEY, now);
    this.#lastSavedS = now;
    return now;
  }

  /** One certificate, as PROTOCOL §9 judges it. */
  judge(v: Validity): CertVerdict {
    if (!isValidity(v)) return { ok: false, reason: "malformed" };
    const now = this.now();
    if (now !== undefined) {
      if (now < v.fromS) return { ok: false, reason: "not_yet_valid" };
      return now > v.toS ? { ok: false, reason: "expired" } : { ok: true };
    }
    return v.toS <= this.lowerBoundS() ? { ok: false, reason: "expired" } : { ok: true };
  }

  /**
   * One instant at which every certificate of a chain (anchors included) is within its validity,
   * for a verifier that compares one "now" against each: the valid time itself, else the lower
   * bound moved past the latest notBefore (so no certificate is refused as not yet valid).
   */
  chainInstant(chain: readonly Validity[]): ChainVerdict {
    let latestFrom = 0;
    let earliestTo = Infinity;
    for (const v of chain) {
      const j = this.judge(v);
      if (!j.ok) return j;
      latestFrom = Math.max(latestFrom, v.fromS);
      earliestTo = Math.min(earliestTo, v.toS);
    }
    const now = this.now();
    if (now !== undefined) return { ok: true, atS: now };
    const atS = Math.max(this.lowerBoundS(), latestFrom + 1);
    // A chain whose periods do not overlap (an anchor expired before the leaf began) has no such instant.
    return atS < earliestTo ? { ok: true, atS } : { ok: false, reason: "disjoint" };
  }
}

function isValidity(v: Validity): boolean {
  return Number.isFinite(v.fromS) && Number.isFinite(v.toS) && v.fromS <= v.toS;
}

function readPersisted(store: KeyValueStore | undefined): number {
  if (!store) return 0;
  try {
    // anything but a positive int32 (a string, a float another host wrote) is no time
    const v = store.get(CLOCK_DOMAIN, LAST_TIME_KEY) as number;
    return Number.isInteger(v) && v >= 1 && v <= INT32_MAX ? v : 0;
  } catch {
    return 0;
  }
}
