// WiFiPort over the simulated radio (stack/radio.ts): the radio is the edge that cannot run here.
import type { SimRadio } from "../../../stack/radio";
import type { JoinResult, WiFiPort, WpsResult } from "../../../src/core/ports";

export type WpsMode = "ok" | "fail" | "timeout" | "button";

export class SimWiFiPort implements WiFiPort {
  private cancel: (() => void) | undefined;

  /**
   * `ok`: the router's button is pressed when the device starts WPS; `fail`: the run fails;
   * `timeout`: nobody presses it (the run ends after `timeoutMs`, shortened by `walkMs`);
   * `button`: someone else (a test, the stack) presses it.
   */
  constructor(private readonly radio: SimRadio, private readonly mode: WpsMode, private readonly walkMs?: number) {}

  wps(timeoutMs: number, done: (result: WpsResult) => void): void {
    if (this.mode === "fail") this.radio.failNextWpsRun();
    if (this.mode === "ok") this.radio.pressWps();
    const limit = this.mode === "timeout" && this.walkMs !== undefined ? Math.min(timeoutMs, this.walkMs) : timeoutMs;
    this.cancel = this.radio.wps(limit, (r) => {
      this.cancel = undefined;
      done(r);
    });
  }

  join(ssid: string, password: string, done: (result: JoinResult) => void): void {
    const r = this.radio.join(ssid, password);
    setTimeout(() => done(r), 5); // association and DHCP take time; never answer synchronously
  }

  disconnect(): void {}

  close(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
