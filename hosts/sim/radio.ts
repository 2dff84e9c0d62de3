// The simulated radio of the desktop simulator and the QEMU target. Underneath is a link that
// accepts any network (the SDK's lin `wifi`, a pure-JS fake; QEMU's Ethernet); this layer decides
// which networks are "in range" and what a WPS push does, from the build config:
//   wps=ok|fail|timeout            outcome of the WPS push-button run
//   home_ssid=…  home_password=…   the home network WPS "learns" (and the only home network in range)
//   guest=on|off                   whether a gateway's guest network (guest_ssid, the unit's activation code) is in range
import Timer from "timer";
import type { Logger } from "../../src/core/log";
import type { JoinResult, WiFiPort, WpsResult } from "../../src/core/ports";

/** What joins "a network" underneath the simulation: it is always in range and always accepts. */
export interface RadioLink {
  join(ssid: string, password: string, done: (result: JoinResult) => void): void;
  disconnect(): void;
}

export type WpsOutcome = "ok" | "fail" | "timeout";

export interface SimRadioConfig {
  wps: WpsOutcome;
  homeSsid: string;
  homePassword: string;
  guest: boolean;
  guestSsid: string;
  activationCode: string;
  /** Time until the simulated router answers a WPS push. */
  wpsDelayMs: number;
  /** Time a failed join takes (scan, then give up). */
  failDelayMs: number;
}

export function isWpsOutcome(s: string): s is WpsOutcome {
  return s === "ok" || s === "fail" || s === "timeout";
}

export class SimRadio implements WiFiPort {
  readonly #wifi: RadioLink;
  #pending: Timer | undefined;

  constructor(private readonly cfg: SimRadioConfig, private readonly log: Logger, link: RadioLink) {
    this.#wifi = link;
  }

  wps(timeoutMs: number, done: (result: WpsResult) => void): void {
    this.#cancel();
    this.#wifi.disconnect();
    this.#wps(timeoutMs, done);
  }

  join(ssid: string, password: string, done: (result: JoinResult) => void): void {
    this.#cancel();
    const c = this.cfg;
    const known = ssid === c.homeSsid ? c.homePassword : c.guest && ssid === c.guestSsid ? c.activationCode : undefined;
    if (known === undefined) return this.#fail(done, "no_ap_found", ssid);
    if (password !== known) return this.#fail(done, "wrong_password", ssid);
    this.#wifi.join(ssid, password, done);
  }

  disconnect(): void {
    this.#cancel();
    this.#wifi.disconnect();
  }

  #wps(timeoutMs: number, done: (result: WpsResult) => void): void {
    const c = this.cfg;
    this.log.info("wps.sim", { outcome: c.wps, home_ssid: c.homeSsid });
    if (c.wps === "timeout") {
      this.#pending = Timer.set(() => done({ ok: false, reason: "timeout" }), timeoutMs);
      return;
    }
    this.#pending = Timer.set(() => {
      this.#pending = undefined;
      if (c.wps === "fail") return done({ ok: false, reason: "failed" });
      // The router handed over its credentials: join with them, as the ESP32 WPS module does.
      this.#wifi.join(c.homeSsid, c.homePassword, (r) =>
        done(r.ok ? { ok: true, ssid: c.homeSsid, password: c.homePassword } : { ok: false, reason: "failed" }));
    }, Math.min(c.wpsDelayMs, timeoutMs));
  }

  #fail(done: (result: JoinResult) => void, reason: string, ssid: string): void {
    this.log.info("wifi.sim", { ssid, outcome: reason });
    this.#pending = Timer.set(() => {
      this.#pending = undefined;
      done({ ok: false, reason });
    }, this.cfg.failDelayMs);
  }

  #cancel(): void {
    Timer.clear(this.#pending);
    this.#pending = undefined;
  }
}
