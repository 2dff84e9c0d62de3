// WiFiPort over Moddable's `wifi` module (ESP32 driver; on lin/mac/win the SDK's pure-JS fake).
// Joining means: associated, got an IP address, and (when the clock was never set) SNTP tried.
// WPS is platform-specific and injected (ESP32: native `wps` module; simulator: simulated radio).
import Net from "net";
import WiFi from "wifi";
import Timer from "timer";
import type { Logger } from "../core/log";
import type { JoinResult, WiFiPort, WpsResult } from "../core/ports";
import { syncClock } from "./sntp";

export type WpsRunner = (timeoutMs: number, done: (result: WpsResult) => void) => void;

export interface WiFiOptions {
  log: Logger;
  /** A join that has not got an IP address by then fails with reason `timeout`. */
  joinTimeoutMs: number;
  /** SNTP server asked after a join when the clock is not valid ("" = never). */
  sntpHost: string;
  wps: WpsRunner;
}

/** ESP32 driver disconnect reason -1: the 4-way handshake failed (wrong passphrase). */
function disconnectReason(value: number | undefined): string {
  if (value === -1) return "wrong_password";
  return value === undefined ? "disconnected" : `disconnected_${value}`;
}

/** After a joined network drops, rejoin it after 2 s, doubling to 60 s (the driver does not). */
const REJOIN_FIRST_MS = 2_000;
const REJOIN_MAX_MS = 60_000;

export class ModdableWiFi implements WiFiPort {
  #wifi: WiFi | undefined;
  #attempt = 0;
  #rejoinMs = 0;
  #onRejoin: (() => void) | undefined;

  constructor(private readonly o: WiFiOptions) {}

  wps(timeoutMs: number, done: (result: WpsResult) => void): void {
    this.disconnect();
    this.o.wps(timeoutMs, done);
  }

  join(ssid: string, password: string, done: (result: JoinResult) => void): void {
    this.disconnect();
    const log = this.o.log;
    const attempt = ++this.#attempt;
    let finished = false;
    let associated = false;
    const finish = (result: JoinResult): void => {
      if (finished || attempt !== this.#attempt) return;
      finished = true;
      Timer.clear(timer);
      if (!result.ok) this.disconnect();
      else this.#rejoinMs = 0;
      // Never from inside the driver's callback.
      Timer.set(() => done(result), 0);
    };
    const timer = Timer.set(() => finish({ ok: false, reason: `timeout_${this.o.joinTimeoutMs}ms` }), this.o.joinTimeoutMs);
    const notify = (message: string, value?: number): void => {
      if (attempt !== this.#attempt) return;
      switch (message) {
        case WiFi.connected:
          associated = true;
          log.debug("wifi.associated", { ssid });
          break;
        case WiFi.gotIP:
          log.info("wifi.ip", { ssid, ip: Net.get("IP") ?? "" });
          syncClock(this.o.sntpHost, log, () => finish({ ok: true }));
          break;
        case WiFi.lostIP:
          log.warn("wifi.lost_ip", { ssid });
          break;
        case WiFi.disconnected:
          if (finished) {
            log.warn("wifi.disconnected", { ssid, reason: disconnectReason(value) });
            this.#keepUp(ssid, password);
          } else finish({ ok: false, reason: associated ? "disconnected" : disconnectReason(value) });
          break;
        default:
          break;
      }
    };
    try {
      this.#wifi = new WiFi({ ssid, password }, notify);
    } catch (e) {
      finish({ ok: false, reason: `driver_error: ${String(e)}` });
    }
  }

  /**
   * A network joined before has dropped (router reboot, out of range): keep trying to get it back,
   * as Moddable's `wifi/connection` module does; the MQTT session's own backoff reconnects after.
   * A new join() or disconnect() in the meantime cancels this.
   */
  #keepUp(ssid: string, password: string): void {
    const delay = (this.#rejoinMs = Math.min(REJOIN_MAX_MS, this.#rejoinMs ? this.#rejoinMs * 2 : REJOIN_FIRST_MS));
    const attempt = this.#attempt;
    Timer.set(() => {
      if (attempt !== this.#attempt) return;
      this.o.log.info("wifi.rejoin", { ssid, after_ms: delay });
      this.join(ssid, password, (r) => {
        if (!r.ok) this.#keepUp(ssid, password);
        else this.#onRejoin?.();
      });
    }, delay);
  }

  /** The core reconnects its broker session at once after a rejoin (PROTOCOL §10). One listener. */
  onRejoin(callback: () => void): void {
    this.#onRejoin = callback;
  }

  disconnect(): void {
    const w = this.#wifi;
    this.#wifi = undefined;
    this.#attempt++;
    if (!w) return;
    try {
      w.close();
      WiFi.disconnect();
    } catch {
      // not connected
    }
  }
}
