// The link under the simulated radio on the QEMU target: QEMU's open_eth NIC (native `openeth`).
// "Joined" means the NIC has its DHCP address; then SNTP is asked, as after a Wi-Fi join on a
// device (src/moddable/sntp: retried with backoff, the join waits only for the first attempt).
import { address, start } from "openeth";
import Timer from "timer";
import type { Logger } from "../../src/core/log";
import type { JoinResult } from "../../src/core/ports";
import { syncClock } from "../../src/moddable/sntp";
import type { RadioLink } from "../sim/radio";

const POLL_MS = 200;

export interface EthernetOptions {
  log: Logger;
  /** No DHCP address by then: the join fails with reason `timeout`. */
  joinTimeoutMs: number;
  /** SNTP server asked after the link is up ("" = never). */
  sntpHost: string;
}

export class EthernetLink implements RadioLink {
  #attempt = 0;
  #poll: Timer | undefined;

  constructor(private readonly o: EthernetOptions) {}

  join(ssid: string, _password: string, done: (result: JoinResult) => void): void {
    this.disconnect();
    const attempt = this.#attempt;
    const log = this.o.log;
    try {
      start();
    } catch (e) {
      Timer.set(() => done({ ok: false, reason: `driver_error: ${String(e)}` }), 0);
      return;
    }
    // Counted in polls, not by Date.now(): the clock may be set meanwhile.
    let polls = Math.ceil(this.o.joinTimeoutMs / POLL_MS);
    const check = (): void => {
      this.#poll = undefined;
      if (attempt !== this.#attempt) return;
      const ip = address();
      if (ip) {
        log.info("eth.ip", { ssid, ip, nic: "open_eth" });
        syncClock(this.o.sntpHost, log, () => {
          if (attempt === this.#attempt) done({ ok: true });
        });
      } else if (--polls < 0) done({ ok: false, reason: `timeout_${this.o.joinTimeoutMs}ms` });
      else this.#poll = Timer.set(check, POLL_MS);
    };
    check();
  }

  /** The cable stays in; only a pending join is dropped. */
  disconnect(): void {
    this.#attempt++;
    Timer.clear(this.#poll);
    this.#poll = undefined;
  }
}
