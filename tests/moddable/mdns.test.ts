// src/moddable/mdns.ts over fakes of the SDK's mdns/socket/timer/net (tests/moddable/fakes):
// every browse gives back its socket and its timers (issue 8 item 3), three queries fall inside
// the 3 s window and an A-record-only answer means port 8883 (item 9).
import { assert, deepEqual, equal, test } from "../harness";
import { createLogger } from "../../src/core/log";
import type { BrokerFound, LogRecord } from "../../src/core/ports";
import { ModdableMdns } from "../../src/moddable/mdns";
import { recordsOf } from "./fakes/dns/serializer";
import MDNS, { mdnsInstances, resetMdns } from "./fakes/mdns";
import { resetNet, setResolve } from "./fakes/net";
import { openSockets, resetSockets, socketsOpened } from "./fakes/socket";
import { advance, fakeNow, liveTimers, resetTimers } from "./fakes/timer";

function fresh(): { mdns: ModdableMdns; lines: LogRecord[] } {
  resetTimers();
  resetSockets();
  resetMdns();
  resetNet();
  const lines: LogRecord[] = [];
  return { mdns: new ModdableMdns(createLogger((r) => lines.push(r), { uptimeMs: fakeNow }, () => "discover")), lines };
}

function browse(m: ModdableMdns, windowMs = 3000): { result: () => BrokerFound | null | undefined } {
  let result: BrokerFound | null | undefined;
  m.browse(windowMs, (f) => { result = f; });
  return { result: () => result };
}

function current(): MDNS {
  const all = mdnsInstances();
  const m = all[all.length - 1];
  if (!m) throw new Error("no MDNS instance");
  return m;
}

/** Query send times of the current instance's socket, in ms. */
function queryTimes(m: MDNS, times: number[]): void {
  const before = m.writes.length;
  const poll = (): void => {
    for (let i = before + times.length; i < m.writes.length; i++) times.push(fakeNow());
  };
  // one fake millisecond at a time is cheap enough for a 3 s window
  for (let t = 0; t < 3000; t++) { advance(1); poll(); }
}

test("mdns: a browse that finds nothing closes its socket and leaves no timer", () => {
  const { mdns } = fresh();
  const b = browse(mdns);
  equal(openSockets(), 1);
  advance(3001);
  equal(b.result(), null);
  equal(openSockets(), 0, "multicast socket closed");
  equal(liveTimers(), 0, "no query or window timer left");
});

test("mdns: a browse that finds the broker closes its socket and leaves no timer; 20 browses leak nothing", () => {
  const { mdns, lines } = fresh();
  for (let i = 0; i < 20; i++) {
    const b = browse(mdns);
    advance(500);
    current().answer("_mqtt._tcp", { name: "gw", target: "MQTT2GO.local", address: "192.168.1.10", port: 8884, txt: [] });
    advance(1);
    deepEqual(b.result(), { host: "MQTT2GO.local", address: "192.168.1.10", port: 8884 });
  }
  equal(socketsOpened(), 20);
  equal(openSockets(), 0, "every socket closed");
  equal(liveTimers(), 0, "every timer cleared");
  assert(!lines.some((l) => l.event === "mdns.close_failed" || l.event === "mdns.remove_failed"), "close is clean");
});

test("mdns: the fake is faithful: the SDK's close() alone throws and leaks the socket and the monitor timer", () => {
  fresh();
  const m = new MDNS({ hostName: "" });
  m.monitor("_mqtt._tcp", () => {});
  let threw = false;
  try { m.close(); } catch { threw = true; }
  assert(threw, "close() throws callback not found");
  equal(openSockets(), 1);
  equal(liveTimers(), 1);
});

test("mdns: three PTR queries inside a 3 s window", () => {
  const { mdns } = fresh();
  browse(mdns);
  const m = current();
  const times: number[] = [];
  queryTimes(m, times);
  const ptr = m.writes.filter((w) => recordsOf(w.data).some((r) => r.name === "_mqtt._tcp.local" && r.type === 12));
  assert(ptr.length >= 3, `${ptr.length} PTR queries`);
  equal(times.filter((t) => t < 3000).length >= 3, true, `query times ${JSON.stringify(times)}`);
});

test("mdns: only an A record of MQTT2GO.local answers: found on port 8883 at the end of the window", () => {
  const { mdns } = fresh();
  setResolve("MQTT2GO.local", "192.168.1.77");
  const b = browse(mdns);
  advance(2999);
  equal(b.result(), undefined, "waits the window for an SRV");
  advance(2);
  deepEqual(b.result(), { host: "MQTT2GO.local", address: "192.168.1.77", port: 8883 });
  equal(openSockets(), 0);
  equal(liveTimers(), 0);
});

test("mdns: an SRV for another target is not taken; the SRV port wins over the A-only default", () => {
  const { mdns } = fresh();
  setResolve("MQTT2GO.local", "192.168.1.77");
  const b = browse(mdns);
  advance(100);
  current().answer("_mqtt._tcp", { name: "other", target: "printer.local", address: "192.168.1.9", port: 1883, txt: [] });
  advance(100);
  equal(b.result(), undefined);
  current().answer("_mqtt._tcp", { name: "gw", target: "mqtt2go.LOCAL", address: "192.168.1.77", port: 9883, txt: [] });
  advance(1);
  deepEqual(b.result(), { host: "mqtt2go.LOCAL", address: "192.168.1.77", port: 9883 });
});
