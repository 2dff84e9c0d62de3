// mDNS on the loopback interface only (never another interface), with `multicast-dns`.
//
// How it stays on loopback (no root, no `ip` commands: Linux routes a multicast send by the
// socket's IP_MULTICAST_IF even when `lo` lacks the MULTICAST flag):
// - the group is joined on 127.0.0.1 only and IP_MULTICAST_IF is 127.0.0.1, so every packet we
//   send leaves through `lo`;
// - the socket is bound to the group address (not 0.0.0.0), so it only receives group traffic,
//   and any packet whose source is not a 127/8 address is dropped anyway.
// A non-default `port` keeps parallel test runs apart (mDNS is 5353).

import type { RemoteInfo } from "node:dgram";
import makeMdns from "multicast-dns";
import type { Answer } from "dns-packet";
import { silentLog, type StackLog } from "./log";

export const MDNS_GROUP = "224.0.0.251";
export const MDNS_PORT = 5353;
export const LOOPBACK = "127.0.0.1";
export const MQTT_SERVICE = "_mqtt._tcp.local";
export const MQTT2GO_HOST = "MQTT2GO.local";

export type Mdns = makeMdns.MulticastDNS;

export function isLoopbackSource(rinfo: RemoteInfo): boolean {
  return rinfo.family === "IPv4" && rinfo.address.startsWith("127.");
}

/** A multicast-dns instance on `lo` only, ready to send and receive. */
export function openLoopbackMdns(port: number = MDNS_PORT, log: StackLog = silentLog): Promise<Mdns> {
  const open = (bind: string): Promise<Mdns> => new Promise((resolve, reject) => {
    const m = makeMdns({ port, interface: LOOPBACK, bind, ip: MDNS_GROUP, loopback: true, reuseAddr: true, multicast: true });
    const onError = (err: Error): void => { m.destroy(); reject(err); };
    m.once("error", onError);
    m.on("warning", (err: Error) => log("mdns", "warning", { reason: err.message }));
    m.once("ready", () => { m.off("error", onError); resolve(m); });
  });
  // Binding to a group address is allowed on Linux and the BSDs; fall back to the wildcard
  // address (still joined and sending on loopback only, still source-filtered) elsewhere.
  return open(MDNS_GROUP).catch(() => open("0.0.0.0"));
}

export interface MdnsResponderOptions {
  /** The broker's port (SRV). */
  servicePort: number;
  port?: number;
  instance?: string;
  host?: string;
  address?: string;
  log?: StackLog;
}

export interface MdnsResponder {
  port: number;
  close(): Promise<void>;
}

const lower = (s: string): string => s.toLowerCase().replace(/\.$/, "");

/** Advertises `<instance>._mqtt._tcp.local` → SRV `MQTT2GO.local:<servicePort>` → A 127.0.0.1. */
export async function startMdnsResponder(o: MdnsResponderOptions): Promise<MdnsResponder> {
  const port = o.port ?? MDNS_PORT;
  const log = o.log ?? silentLog;
  const host = o.host ?? MQTT2GO_HOST;
  const instance = `${o.instance ?? "MQTT2GO"}.${MQTT_SERVICE}`;
  const ttl = 120;
  const ptr: Answer = { name: MQTT_SERVICE, type: "PTR", ttl, data: instance };
  const srv: Answer = { name: instance, type: "SRV", ttl, data: { target: host, port: o.servicePort, priority: 0, weight: 0 } };
  const txt: Answer = { name: instance, type: "TXT", ttl, data: ["txtvers=1"] };
  const a: Answer = { name: host, type: "A", ttl, data: o.address ?? LOOPBACK };

  const m = await openLoopbackMdns(port, log);
  m.on("query", (query, rinfo) => {
    if (!isLoopbackSource(rinfo)) return;
    const answers: Answer[] = [];
    for (const q of query.questions) {
      const name = lower(q.name);
      const any = (q.type as string) === "ANY"; // QTYPE 255, missing from the dns-packet typings
      if (name === lower(MQTT_SERVICE) && (any || q.type === "PTR")) answers.push(ptr);
      if (name === lower(instance) && (any || q.type === "SRV")) answers.push(srv);
      if (name === lower(instance) && (any || q.type === "TXT")) answers.push(txt);
      if (name === lower(host) && (any || q.type === "A")) answers.push(a);
    }
    if (answers.length === 0) return;
    const additionals = [srv, txt, a].filter((r) => !answers.includes(r));
    // A query from another source port is a legacy unicast query (RFC 6762 §6.7): answer it directly.
    const unicast = rinfo.port !== port ? { address: rinfo.address, port: rinfo.port } : undefined;
    m.respond({ answers, additionals }, unicast ?? { port, address: MDNS_GROUP });
    log("mdns", "answered", { question: query.questions.map((q) => `${q.name}/${q.type}`).join(","), unicast: unicast !== undefined });
  });
  // Announce once (RFC 6762 §8.3) so listeners learn about the broker without asking.
  m.respond({ answers: [ptr, srv, txt, a] }, { port, address: MDNS_GROUP });
  log("mdns", "advertising", { service: MQTT_SERVICE, instance, target: host, service_port: o.servicePort, mdns_port: port, interface: "lo" });
  return {
    port,
    close: () => new Promise<void>((resolve) => m.destroy(() => resolve())),
  };
}
