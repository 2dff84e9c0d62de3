// Discovery where mDNS cannot run: on the desktop simulator the SDK's lin socket rejects every
// multicast address (inverted inet_pton check in modSocket.c); QEMU's user-mode network carries
// no multicast. The local broker is configured explicitly with `mdns_broker=host:port` (empty: no
// local broker, cloud flow).
import Timer from "timer";
import type { Logger } from "../../src/core/log";
import type { BrokerFound, DiscoveryPort } from "../../src/core/ports";

export const SIM_MDNS_TARGET = "MQTT2GO.local";

export class ConfiguredDiscovery implements DiscoveryPort {
  constructor(
    private readonly broker: { host: string; port: number } | undefined,
    private readonly log: Logger,
    private readonly why = "SDK multicast sockets do not work on lin; answer comes from the build config mdns_broker",
  ) {}

  browse(windowMs: number, done: (found: BrokerFound | null) => void): void {
    const b = this.broker;
    this.log.info("mdns.sim", {
      broker: b ? `${b.host}:${b.port}` : "none",
      why: this.why,
    });
    // A configured broker "answers" the first query; none means the whole window passes.
    if (b) Timer.set(() => done({ host: SIM_MDNS_TARGET, address: b.host, port: b.port }), Math.min(1_000, windowMs));
    else Timer.set(() => done(null), windowMs);
  }
}
