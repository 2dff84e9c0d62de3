// Devices (the real runtime over in-memory ports) in the state that awaits each inbound topic kind,
// and the invariant every refused input must keep.
import { assert, equal } from "../harness";
import type { Device } from "../../src/core/device";
import type { InboundKind } from "../malformed-catalog";
import { FakePlatform, makeDevice, toCloudActivation } from "./device-kit";
import { AC, DID, brokerData, creds, homePrefix } from "./onboarding-kit";

export { acceptedAs } from "../malformed-accepted";

export const P = `home1/gw1/${DID}`;

/** A device in the state that awaits `kind`, and the topic it arrives on. */
export function awaiting(kind: InboundKind): { p: FakePlatform; d: Device; topic: string } {
  const p = new FakePlatform();
  if (kind === "broker_data") return { p, d: toCloudActivation(p), topic: `${AC}/activation/in` };
  if (kind === "credentials" || kind === "wifi") {
    const d = makeDevice(p);
    d.start();
    if (kind === "wifi") {
      p.wpsCalls[0]?.({ ok: false, reason: "timeout" });
      p.joins[0]?.done({ ok: true });
    } else p.wpsCalls[0]?.({ ok: true, ssid: "HomeNet", password: "home-pass-123" });
    p.browses[0]?.({ host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 });
    p.last.handlers.onConnected();
    if (kind === "credentials") return { p, d, topic: `${AC}/activation/in` };
    p.last.deliver(`${AC}/activation/in`, creds());
    equal(d.snapshot.step, "wifi");
    return { p, d, topic: `${AC}/wifi/in` };
  }
  const d = toCloudActivation(p);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  if (kind === "home_prefix") { equal(d.phase, "home_prefix"); return { p, d, topic: `${DID}/home/in` }; }
  p.last.deliver(`${DID}/home/in`, homePrefix());
  p.last.handlers.onConnected();
  equal(d.phase, "operational");
  const entity = kind === "rename" ? undefined : kind === "command" ? "switch" : kind;
  return { p, d, topic: entity ? `${P}/${entity}/in` : `${DID}/home/in` };
}

export const isEntityKind = (k: InboundKind): boolean => k === "command" || k === "about" || k === "remove";

interface Snapshot { state: string; writes: number; sessions: number; closed: number; subs: number; pubs: number; timers: number; lines: number }

function snap(p: FakePlatform, d: Device): Snapshot {
  return {
    state: JSON.stringify(d.snapshot), writes: p.store.writes, sessions: p.sessions.length,
    closed: p.sessions.filter((s) => s.closed).length, subs: p.last.subs.length, pubs: p.last.pubs.length,
    timers: p.timers.count, lines: p.lines.length,
  };
}

/** Delivers one payload and checks the invariant; returns the number of error reports it caused. */
export function deliverUnchanged(p: FakePlatform, d: Device, topic: string, payload: string, maxReports: number, what: string, errorsOnly = true): number {
  const before = snap(p, d);
  const session = p.last;
  session.deliver(topic, payload);
  const after = snap(p, d);
  equal(after.state, before.state, `state changed by ${what}`);
  equal(after.writes, before.writes, `flash written by ${what}`);
  equal(after.sessions, before.sessions, `new session after ${what}`);
  equal(after.closed, before.closed, `session closed by ${what}`);
  equal(after.subs, before.subs, `subscription after ${what}`);
  equal(after.timers, before.timers, `timers changed by ${what}`);
  assert(after.lines > before.lines, `no log line for ${what}`);
  const pubs = session.pubs.slice(before.pubs);
  assert(pubs.length <= maxReports, `${pubs.length} publishes after ${what}`);
  for (const x of pubs) {
    if (!errorsOnly) continue;
    equal((JSON.parse(x.payload) as { type?: string }).type, "error", `the only reply to ${what} is an error report`);
    equal(x.retain, false, `an error report is not retained (${what})`);
  }
  return pubs.length;
}

