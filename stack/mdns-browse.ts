// Browsing `_mqtt._tcp.local` on loopback for the MQTT2GO broker (PROTOCOL §4): the backend of
// the Node device host's DiscoveryPort.

import type { BrokerFound } from "../src/core/ports";
import { DEFAULT_BROKER_PORT } from "../src/core/broker-address";
import type { Answer } from "dns-packet";
import { MDNS_PORT, MQTT2GO_HOST, MQTT_SERVICE, isLoopbackSource, openLoopbackMdns } from "./mdns";
import { silentLog, type StackLog } from "./log";

export interface BrowseOptions {
  /** Total time to wait for an answer (PROTOCOL §4 default 3 s). */
  windowMs?: number;
  /** Queries sent, evenly spread over the window (default 3). */
  queries?: number;
  /** mDNS port (5353 unless a test runs its own). */
  port?: number;
  /** The SRV target to look for, compared case-insensitively. */
  host?: string;
  log?: StackLog;
}

const norm = (s: string): string => s.toLowerCase().replace(/\.$/, "");

/** The first instance whose SRV target is MQTT2GO.local (with its A record), else null at the end of the window. */
export async function browseMqtt(o: BrowseOptions = {}): Promise<BrokerFound | null> {
  const windowMs = o.windowMs ?? 3000;
  const queries = Math.max(1, o.queries ?? 3);
  const wanted = norm(o.host ?? MQTT2GO_HOST);
  const log = o.log ?? silentLog;
  const m = await openLoopbackMdns(o.port ?? MDNS_PORT, log);

  const srvs = new Map<string, { target: string; port: number }>();
  const addresses = new Map<string, string>();
  const askedA = new Set<string>();

  return new Promise<BrokerFound | null>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const finish = (found: BrokerFound | null): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      m.destroy();
      log("mdns", found ? "found" : "not_found", found ? { host: found.host, address: found.address, port: found.port } : { window_ms: windowMs });
      resolve(found);
    };
    const evaluate = (): void => {
      for (const { target, port } of srvs.values()) {
        if (norm(target) !== wanted) continue;
        const address = addresses.get(norm(target));
        if (address) { finish({ host: target, address, port }); return; }
        if (!askedA.has(norm(target))) { askedA.add(norm(target)); m.query([{ name: target, type: "A" }]); }
      }
    };
    const take = (r: Answer): void => {
      if (r.type === "SRV" && norm(r.name).endsWith(`.${norm(MQTT_SERVICE)}`)) srvs.set(norm(r.name), { target: r.data.target, port: r.data.port });
      else if (r.type === "A") addresses.set(norm(r.name), r.data);
      else if (r.type === "PTR" && norm(r.name) === norm(MQTT_SERVICE) && !srvs.has(norm(r.data))) m.query([{ name: r.data, type: "SRV" }]);
    };
    m.on("response", (res, rinfo) => {
      if (done || !isLoopbackSource(rinfo)) return;
      for (const r of [...res.answers, ...res.additionals]) take(r);
      evaluate();
    });
    for (let i = 0; i < queries; i++) {
      timers.push(setTimeout(() => {
        m.query([{ name: MQTT_SERVICE, type: "PTR" }, { name: o.host ?? MQTT2GO_HOST, type: "A" }]);
      }, Math.floor((i * windowMs) / queries)));
    }
    timers.push(setTimeout(() => {
      // Only an A record answered: the default port (PROTOCOL §4).
      const address = addresses.get(wanted);
      finish(address ? { host: o.host ?? MQTT2GO_HOST, address, port: DEFAULT_BROKER_PORT } : null);
    }, windowMs));
  });
}
