// Types of the ESP32 WPS module (hosts/esp32/wps/wps.js + modWPS.c).

declare module "wps" {
  /** Outcome of one WPS push-button walk. */
  export type WPSResult =
    | {
        ok: true;
        ssid: string;
        /** The network key as the registrar sent it: a passphrase, or 64 hex digits (a PSK) from some routers. */
        password: string;
        /** How many credentials the registrar sent; the first one is reported. */
        credentials: number;
      }
    | { ok: false; reason: "timeout" | "overlap" }
    | {
        ok: false;
        reason: "failed";
        /** ESP-IDF `wifi_event_sta_wps_fail_reason_t` (0 normal, 1 M2D received, 2 deauth), or -1: credential not UTF-8. */
        detail: number;
      };

  export interface WPSOptions {
    /** Walk time in ms, 1000..600000; default 120000. ESP-IDF's own walk is restarted while time is left. */
    timeout?: number;
    /** Join the network with the received credentials (esp_wifi_set_config + esp_wifi_connect). Default false:
     *  prefer `WiFi.connect()` from "wifi", which keeps the Moddable Wi-Fi module's retry logic. */
    connect?: boolean;
    /** Device name shown by the router (at most 32 bytes); ESP-IDF's default otherwise. */
    deviceName?: string;
    /** Called exactly once, on the XS thread, unless `close()` was called first. */
    onResult(result: WPSResult): void;
  }

  /** Starts WPS PBC at once. Throws if Wi-Fi cannot run in station mode or a walk is already running. */
  export default class WPS {
    constructor(options: WPSOptions);
    /** True until onResult has been called or close() was called. */
    readonly running: boolean;
    /** Stops the walk (WPS disabled, timer and event handler removed) without calling onResult. Idempotent. */
    close(): void;
  }
}
