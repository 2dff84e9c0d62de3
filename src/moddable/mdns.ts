// DiscoveryPort over Moddable's `mdns` (ESP32): browse `_mqtt._tcp` and take the instance whose
// SRV target is MQTT2GO.local (case-insensitive). The module's monitor queries at 0, 1 and 3 s,
// so a 3 s window holds the 3 queries of PROTOCOL §4. Unusable on lin (the SDK's lin socket
// rejects every multicast address): the simulator has its own discovery adapter.
import MDNS from "mdns";
import Timer from "timer";
import type { Logger } from "../core/log";
import type { BrokerFound, DiscoveryPort } from "../core/ports";

export const MQTT_SERVICE = "_mqtt._tcp";
export const BROKER_TARGET = "mqtt2go.local";
export const DEFAULT_MQTTS_PORT = 8883;

interface Instance { name: string; target?: string; address?: string; port?: number }

export class ModdableMdns implements DiscoveryPort {
  constructor(private readonly log: Logger) {}

  browse(windowMs: number, done: (found: BrokerFound | null) => void): void {
    let finished = false;
    let mdns: (MDNS & { close(): void }) | undefined; // MDNS extends Socket; the typings omit close()
    const finish = (found: BrokerFound | null): void => {
      if (finished) return;
      finished = true;
      Timer.clear(timer);
      // Close outside the socket's own callback.
      Timer.set(() => {
        try {
          mdns?.close();
        } catch {
          // already closed
        }
        done(found);
      }, 0);
    };
    const timer = Timer.set(() => finish(null), windowMs);
    try {
      mdns = new MDNS({ hostName: "" }) as MDNS & { close(): void };
      mdns.monitor(MQTT_SERVICE, (_service: string, instance: Instance) => {
        const target = instance.target ?? "";
        this.log.debug("mdns.instance", { name: instance.name, target, address: instance.address ?? "", port: instance.port ?? 0 });
        if (target.toLowerCase() !== BROKER_TARGET || !instance.address) return;
        finish({ host: target, address: instance.address, port: instance.port ?? DEFAULT_MQTTS_PORT });
      });
    } catch (e) {
      this.log.warn("mdns.unavailable", { error: String(e) });
      finish(null);
    }
  }
}
