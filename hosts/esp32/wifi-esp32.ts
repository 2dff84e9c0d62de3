// The ESP32 Wi-Fi port: joins through Moddable's `wifi` module (src/moddable/wifi.ts, with SNTP
// before TLS) and runs WPS push-button with the native `wps` module (hosts/esp32/wps). The WPS
// module only fetches the credentials; the join goes through `wifi` so its retry logic applies.
import WPS from "wps";
import type { Logger } from "../../src/core/log";
import type { JoinResult, WiFiPort, WpsResult } from "../../src/core/ports";
import { ModdableWiFi } from "../../src/moddable/wifi";

export interface Esp32WiFiOptions {
  log: Logger;
  joinTimeoutMs: number;
  sntpHost: string;
}

export class Esp32WiFi implements WiFiPort {
  readonly #wifi: ModdableWiFi;
  #wps: WPS | undefined;

  constructor(private readonly o: Esp32WiFiOptions) {
    this.#wifi = new ModdableWiFi({
      log: o.log, joinTimeoutMs: o.joinTimeoutMs, sntpHost: o.sntpHost, wps: (timeoutMs, done) => this.#runWps(timeoutMs, done),
    });
  }

  wps(timeoutMs: number, done: (result: WpsResult) => void): void {
    this.#stopWps();
    this.#wifi.wps(timeoutMs, done);
  }

  join(ssid: string, password: string, done: (result: JoinResult) => void): void {
    this.#stopWps();
    this.#wifi.join(ssid, password, done);
  }

  disconnect(): void {
    this.#stopWps();
    this.#wifi.disconnect();
  }

  #runWps(timeoutMs: number, done: (result: WpsResult) => void): void {
    const log = this.o.log;
    try {
      this.#wps = new WPS({
        timeout: Math.max(1_000, Math.min(timeoutMs, 600_000)),
        onResult: (r) => {
          this.#wps = undefined;
          if (!r.ok) {
            log.info("wps.result", { reason: r.reason, ...(r.reason === "failed" ? { detail: r.detail } : {}) });
            done({ ok: false, reason: r.reason === "timeout" ? "timeout" : "failed" });
            return;
          }
          log.info("wps.credentials", { ssid: r.ssid, credentials: r.credentials });
          // Join with what the router sent; only a working join counts as a WPS success.
          this.#wifi.join(r.ssid, r.password, (j) => {
            if (j.ok) done({ ok: true, ssid: r.ssid, password: r.password });
            else {
              log.warn("wps.join_failed", { ssid: r.ssid, reason: j.reason });
              done({ ok: false, reason: "failed" });
            }
          });
        },
      });
    } catch (e) {
      log.error("wps.unavailable", { error: String(e) });
      done({ ok: false, reason: "unsupported" });
    }
  }

  #stopWps(): void {
    this.#wps?.close();
    this.#wps = undefined;
  }
}
