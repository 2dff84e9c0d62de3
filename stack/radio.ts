// The simulated Wi-Fi world of the Node device host: the home network, the gateway's guest
// network (SSID `MQTT2GO`, passphrase = the activation code, only while a local activation is
// pending) and the router's WPS push button (PROTOCOL §3).

import { EventEmitter } from "node:events";

export const GUEST_SSID = "MQTT2GO";
/** WPS push-button walk time (ESP-IDF and the WPS spec). */
export const WPS_WALK_MS = 120_000;

export interface RadioOptions {
  homeSsid?: string;
  homePassword?: string;
  guestSsid?: string;
  walkMs?: number;
  /** Monotonic milliseconds (injectable for tests). */
  now?: () => number;
}

export type WpsOutcome = { ok: true; ssid: string; password: string } | { ok: false; reason: "timeout" | "failed" };
export type JoinOutcome = { ok: true } | { ok: false; reason: string };

export interface NetworkInfo { ssid: string; kind: "home" | "guest" }

export interface RadioEvents {
  wps_pressed: [];
  wps: [WpsOutcome];
  guest: [{ enabled: boolean }];
  join: [{ ssid: string; ok: boolean }];
}

export class SimRadio extends EventEmitter<RadioEvents> {
  readonly homeSsid: string;
  readonly homePassword: string;
  readonly guestSsid: string;
  private readonly walkMs: number;
  private readonly now: () => number;
  private pressedAt: number | undefined;
  private failNextWps = false;
  private readonly guestCodes = new Set<string>();
  private readonly waiting = new Set<{ done: (r: WpsOutcome) => void; timer: NodeJS.Timeout }>();

  constructor(o: RadioOptions = {}) {
    super();
    this.homeSsid = o.homeSsid ?? "MQTT2GO-Home";
    this.homePassword = o.homePassword ?? "home-wifi-passphrase";
    this.guestSsid = o.guestSsid ?? GUEST_SSID;
    this.walkMs = o.walkMs ?? WPS_WALK_MS;
    this.now = o.now ?? (() => performance.now());
  }

  /** The networks in range now. */
  networks(): NetworkInfo[] {
    const list: NetworkInfo[] = [{ ssid: this.homeSsid, kind: "home" }];
    if (this.guestAvailable()) list.push({ ssid: this.guestSsid, kind: "guest" });
    return list;
  }

  /** Press the router's WPS button: opens a walk window; a device already waiting joins at once. */
  pressWps(): void {
    this.pressedAt = this.now();
    this.emit("wps_pressed");
    for (const w of [...this.waiting]) this.settle(w, this.wpsOutcome());
  }

  /** Make the next WPS run fail (e.g. a session overlap), whatever the button. */
  failNextWpsRun(): void {
    this.failNextWps = true;
  }

  wpsWindowOpen(): boolean {
    return this.pressedAt !== undefined && this.now() - this.pressedAt < this.walkMs;
  }

  /**
   * A device's WPS push-button run: succeeds if the button's walk window is open now or opens
   * within `timeoutMs`; `done` exactly once. Returns a cancel function.
   */
  wps(timeoutMs: number, done: (r: WpsOutcome) => void): () => void {
    if (this.failNextWps) {
      this.failNextWps = false;
      const r: WpsOutcome = { ok: false, reason: "failed" };
      queueMicrotask(() => { this.emit("wps", r); done(r); });
      return () => {};
    }
    if (this.wpsWindowOpen()) {
      const r = this.wpsOutcome();
      queueMicrotask(() => { this.emit("wps", r); done(r); });
      return () => {};
    }
    const w = { done, timer: setTimeout(() => this.settle(w, { ok: false, reason: "timeout" }), timeoutMs) };
    this.waiting.add(w);
    return () => { clearTimeout(w.timer); this.waiting.delete(w); };
  }

  /** Open the guest network for one pending activation code. */
  enableGuest(activationCode: string): void {
    const was = this.guestAvailable();
    this.guestCodes.add(activationCode);
    if (!was) this.emit("guest", { enabled: true });
  }

  disableGuest(activationCode: string): void {
    if (this.guestCodes.delete(activationCode) && !this.guestAvailable()) this.emit("guest", { enabled: false });
  }

  guestAvailable(): boolean {
    return this.guestCodes.size > 0;
  }

  /** Whether a WPA2 join with these credentials would succeed now. */
  join(ssid: string, password: string): JoinOutcome {
    let r: JoinOutcome;
    if (ssid === this.homeSsid) r = password === this.homePassword ? { ok: true } : { ok: false, reason: "wrong passphrase" };
    else if (ssid === this.guestSsid) {
      r = !this.guestAvailable() ? { ok: false, reason: "no such network" } : this.guestCodes.has(password) ? { ok: true } : { ok: false, reason: "wrong passphrase" };
    } else r = { ok: false, reason: "no such network" };
    this.emit("join", { ssid, ok: r.ok });
    return r;
  }

  /** Cancel every pending WPS run (their `done` is not called). */
  close(): void {
    for (const w of this.waiting) clearTimeout(w.timer);
    this.waiting.clear();
  }

  private wpsOutcome(): WpsOutcome {
    return { ok: true, ssid: this.homeSsid, password: this.homePassword };
  }

  private settle(w: { done: (r: WpsOutcome) => void; timer: NodeJS.Timeout }, r: WpsOutcome): void {
    if (!this.waiting.delete(w)) return;
    clearTimeout(w.timer);
    this.emit("wps", r);
    w.done(r);
  }
}
