// DiscoveryPort over Moddable's `mdns` (ESP32): browse `_mqtt._tcp` and take the instance whose
// SRV target is MQTT2GO.local (case-insensitive). Unusable on lin (the SDK's lin socket rejects
// every multicast address): the simulator has its own discovery adapter.
//
// What the SDK's `mdns` does and this adapter works around (modules/network/mdns/mdns.js):
// - `close()` calls `remove(service)` without the monitor's callback, which throws "callback not
//   found" before the socket is closed: every browse would leak a multicast socket (lwIP has 16
//   UDP pcbs) and the monitor's query timer. So the monitor is removed with its callback first.
// - The monitor queries at about 0, 1 and 3 s: the third falls on the edge of a 3 s window, so
//   the adapter sends its own third PTR query at 2/3 of the window (PROTOCOL §4: 3 queries inside).
// - The monitor reports an instance only once it has its SRV, TXT and address; a responder that
//   answers only the A record of MQTT2GO.local is found through lwIP's resolver (mDNS queries for
//   `.local` names), on the default port 8883.
import DNS from "dns";
import Serializer from "dns/serializer";
import MDNS from "mdns";
import Net from "net";
import Timer from "timer";
import type { Logger } from "../core/log";
import type { BrokerFound, DiscoveryPort } from "../core/ports";

export const MQTT_SERVICE = "_mqtt._tcp";
export const BROKER_HOST = "MQTT2GO.local";
export const BROKER_TARGET = "mqtt2go.local";
export const DEFAULT_MQTTS_PORT = 8883;
const MDNS_GROUP = "224.0.0.251";
const MDNS_PORT = 5353;

interface Instance { name: string; target?: string; address?: string; port?: number }
type Monitor = (service: string, instance: Instance) => void;
/** MDNS extends Socket; the typings omit close(), write() and remove(name, callback). */
type Browser = MDNS & {
  close(): void;
  write(address: string, port: number, data: ArrayBuffer): void;
  remove(service: string, callback: Monitor): void;
};

export class ModdableMdns implements DiscoveryPort {
  constructor(private readonly log: Logger) {}

  browse(windowMs: number, done: (found: BrokerFound | null) => void): void {
    let finished = false;
    let mdns: Browser | undefined;
    let aOnly: string | undefined;
    const timers: Timer[] = [];
    const onInstance: Monitor = (_service, instance) => {
      const target = instance.target ?? "";
      this.log.debug("mdns.instance", { name: instance.name, target, address: instance.address ?? "", port: instance.port ?? 0 });
      if (target.toLowerCase() !== BROKER_TARGET || !instance.address) return;
      finish({ host: target, address: instance.address, port: instance.port ?? DEFAULT_MQTTS_PORT });
    };
    const close = (): void => {
      if (!mdns) return;
      try {
        mdns.remove(MQTT_SERVICE, onInstance);
      } catch (e) {
        this.log.warn("mdns.remove_failed", { error: String(e) });
      }
      try {
        mdns.close();
      } catch (e) {
        this.log.warn("mdns.close_failed", { error: String(e) });
      }
      mdns = undefined;
    };
    const finish = (found: BrokerFound | null): void => {
      if (finished) return;
      finished = true;
      for (const t of timers) Timer.clear(t);
      // Close outside the socket's own callback.
      Timer.set(() => {
        close();
        done(found);
      }, 0);
    };
    timers.push(Timer.set(() => finish(aOnly ? { host: BROKER_HOST, address: aOnly, port: DEFAULT_MQTTS_PORT } : null), windowMs));
    try {
      mdns = new MDNS({ hostName: "" }) as Browser;
      mdns.monitor(MQTT_SERVICE, onInstance);
      timers.push(Timer.set(() => this.query(mdns), Math.floor((2 * windowMs) / 3)));
    } catch (e) {
      this.log.warn("mdns.unavailable", { error: String(e) });
      close();
      finish(null);
      return;
    }
    try {
      Net.resolve(BROKER_HOST, (_name, address) => {
        if (!finished && address) aOnly = address;
      });
    } catch (e) {
      this.log.debug("mdns.resolve_failed", { error: String(e) });
    }
  }

  private query(mdns: Browser | undefined): void {
    if (!mdns) return;
    try {
      const q = new Serializer({ query: true, opcode: DNS.OPCODE.QUERY });
      q.add(DNS.SECTION.QUESTION, `${MQTT_SERVICE}.local`, DNS.RR.PTR, DNS.CLASS.IN, 0);
      mdns.write(MDNS_GROUP, MDNS_PORT, q.build());
    } catch (e) {
      this.log.debug("mdns.query_failed", { error: String(e) });
    }
  }
}
