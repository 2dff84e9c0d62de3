// Issue 8 item 1: a failed credential write never wedges the unit. The device runtime with the real
// reducer and record over a MemoryStore that fails at one write index (or from one index on), in
// every onboarding flow and for a provisioned local unit whose gateway moved.
import { assert, equal, test } from "../harness";
import { MemoryStore } from "../../src/core/nvs";
import type { Effect } from "../../src/core/onboarding";
import type { MqttConnectOptions, MqttHandlers } from "../../src/core/ports";
import { CredentialStore, type CredentialRecord } from "../../src/core/record";
import { FakePlatform, FakeSession, makeDevice } from "./device-kit";
import { AC, DID, Rig, brokerData, creds, homePrefix, provisionedRecord, rename, toOperational, wifiCreds } from "./onboarding-kit";

type Flow = "cloud" | "local" | "guest";
const GW = { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 };

/**
 * A world that answers like the stack does: sessions connect on the next tick, the discovery
 * server / gateway answer every request (the broker data again until the device logs in), the
 * gateway answers the home prefix, mDNS finds the gateway (local flows) or nothing (cloud).
 */
function world(p: FakePlatform, flow: Flow): void {
  const connect = p.mqtt.connect;
  p.mqtt.connect = (options: MqttConnectOptions, handlers: MqttHandlers): FakeSession => {
    const s = connect(options, handlers);
    const publish = s.publish.bind(s);
    s.publish = (topic: string, payload: string, retain: boolean) => {
      publish(topic, payload, retain);
      const reply = topic === `${AC}/activation/out` ? [`${AC}/activation/in`, flow === "cloud" ? brokerData() : creds()]
        : topic === `${AC}/wifi/out` ? [`${AC}/wifi/in`, wifiCreds()]
          : topic === `${DID}/home/out` ? [`${DID}/home/in`, homePrefix()] : undefined;
      if (reply) p.timers.set(5, () => { if (!s.closed) s.deliver(reply[0], reply[1]); });
    };
    p.timers.set(1, () => { if (!s.closed) s.handlers.onConnected(); });
    return s;
  };
  p.wifi.wps = (_ms, done) => { p.timers.set(1, () => done(flow === "guest" ? { ok: false, reason: "timeout" } : { ok: true, ssid: "HomeNet", password: "home-pass-123" })); };
  p.wifi.join = (_ssid, _pw, done) => { p.timers.set(1, () => done({ ok: true })); };
  p.discovery.browse = (_ms, done) => { p.timers.set(1, () => done(flow === "cloud" ? null : GW)); };
}

function run(flow: Flow, store: MemoryStore, ms = 5 * 60_000): { p: FakePlatform; phase: string } {
  const p = new FakePlatform(store);
  world(p, flow);
  const d = makeDevice(p);
  d.start();
  for (let t = 0; t < ms && d.phase !== "operational"; t += 50) p.timers.advance(50);
  return { p, phase: d.phase };
}

for (const flow of ["cloud", "local", "guest"] as const) {
  test(`store failure (${flow}): one failed write at each index of the onboarding, the unit still ends operational with the record stored`, () => {
    const clean = new MemoryStore();
    equal(run(flow, clean).phase, "operational");
    const writes = clean.writes;
    assert(writes >= 10, `${writes} writes in a clean onboarding`);
    for (let k = 0; k < writes; k++) {
      const store = new MemoryStore();
      store.failOnceAfter(k);
      const { p, phase } = run(flow, store);
      equal(phase, "operational", `write ${k} of ${writes} failed`);
      const rec = new CredentialStore(store).load().record;
      equal(rec?.home?.home, "home1", `record with its home prefix after a failure at write ${k}`);
      assert(p.lines.some((l) => l.event === "record.failed"), `failure at write ${k} was logged`);
      assert(p.sessions.filter((s) => !s.closed).length === 1, `one open session after a failure at write ${k}`);
    }
  });

  test(`store failure (${flow}): a store that stops working at any index ends in a defined state when the window closes`, () => {
    const clean = new MemoryStore();
    run(flow, clean);
    const writes = clean.writes;
    for (let k = 0; k < writes; k++) {
      const store = new MemoryStore();
      store.failAfter(k);
      const p = new FakePlatform(store);
      world(p, flow);
      const d = makeDevice(p);
      d.start();
      p.timers.advance(16 * 60_000);
      equal(d.phase, "unprovisioned", `store dead from write ${k}`);
      equal(d.snapshot.reason, "activation_expired");
      assert(p.indications.includes("activation_expired"));
      equal(p.sessions.filter((s) => !s.closed).length, 0, "no session left");
      equal(p.timers.count, 0, "no timer left: waits for a button press");
      // Flash keeps no credentials of the attempt that a later boot could use half-way.
      store.heal();
      const rec = new CredentialStore(store).load().record;
      assert(rec === null || rec.home === undefined, "no half-onboarded record with a prefix");
    }
  });
}

test("store failure: commit retries back off (1 s doubling) while the window is open", () => {
  const store = new MemoryStore();
  const p = new FakePlatform(store);
  world(p, "cloud");
  store.failAfter(0);
  const d = makeDevice(p);
  d.start();
  const failedAt: number[] = [];
  for (let t = 0; t < 120_000; t += 10) {
    const before = p.lines.length;
    p.timers.advance(10);
    for (const l of p.lines.slice(before)) if (l.event === "record.failed") failedAt.push(l.fields.retry_ms as number);
  }
  assert(failedAt.length >= 5, `${failedAt.length} commit attempts`);
  for (let i = 0; i < 5; i++) assert((failedAt[i]) <= Math.min(60_000, 1000 * 2 ** i), `retry ${i} after ${failedAt[i]} ms`);
  assert(failedAt.some((ms, i) => i > 2 && ms > 1000), "the delay grows");
  equal(d.phase, "activate_cloud", "still asking inside the window");
  store.heal();
  p.timers.advance(70_000);
  equal(d.phase, "operational");
});

test("store failure: provisioned local unit whose gateway moved connects to the new address when the update cannot be stored", () => {
  const store = new MemoryStore();
  const old: CredentialRecord = provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883 } });
  new CredentialStore(store).commit(old);
  for (let k = 0; k < 12; k++) {
    const s = new MemoryStore();
    new CredentialStore(s).commit(old);
    s.failOnceAfter(k);
    const p = new FakePlatform(s);
    world(p, "local");
    p.discovery.browse = (_ms, done) => { p.timers.set(1, () => done({ host: "MQTT2GO.local", address: "192.168.1.77", port: 8884 })); };
    const d = makeDevice(p);
    d.start();
    p.timers.advance(1000);
    equal(d.phase, "operational", `failure at write ${k}`);
    equal(p.last.options.host, "192.168.1.77");
    equal(p.last.options.port, 8884);
    const rec = new CredentialStore(s).load().record;
    assert(rec !== null && rec.home !== undefined, "a working record stays on flash (old or new address)");
    assert(rec.broker.host === "192.168.1.10" || rec.broker.host === "192.168.1.77");
  }
  // A store dead for good: still operational on the address in RAM; the flash keeps the old one.
  const dead = new MemoryStore();
  new CredentialStore(dead).commit(old);
  dead.failAfter(0);
  const p = new FakePlatform(dead);
  world(p, "local");
  p.discovery.browse = (_ms, done) => { p.timers.set(1, () => done({ host: "MQTT2GO.local", address: "192.168.1.77", port: 8883 })); };
  const d = makeDevice(p);
  d.start();
  p.timers.advance(1000);
  equal(d.phase, "operational");
  equal(new CredentialStore(dead).load().record?.broker.host, "192.168.1.10");
});

test("store failure: every store_commit is the first effect of its step other than logs (the runtime skips the rest when it fails)", () => {
  const check = (effects: Effect[], what: string): void => {
    const i = effects.findIndex((e) => e.kind === "store_commit");
    if (i < 0) return;
    assert(effects.slice(0, i).every((e) => e.kind === "log"), `${what}: ${effects.map((e) => e.kind).join(",")}`);
  };
  const r = new Rig();
  const send = r.send.bind(r);
  r.send = (e) => { const fx = send(e); check(fx, e.type); return fx; };
  toOperational(r);
  r.message(`${DID}/home/in`, rename());
  const g = new Rig();
  g.send = (e) => { const fx = Rig.prototype.send.call(g, e); check(fx, e.type); return fx; };
  g.send({ type: "boot", record: provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883 } }) });
  g.send({ type: "wifi_done", result: { ok: true } });
  g.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.77", port: 8883 } });
  assert(g.all.some((e) => e.kind === "store_commit"));
});

test("store failure (reducer): a failed broker-data commit goes back to the activation session and asks again after a backoff", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  r.connected();
  const session = r.state.session;
  const before = r.state;
  r.message(`${AC}/activation/in`, brokerData());
  equal(r.find("store_commit")?.purpose, "credentials");
  r.send({ type: "store_failed", error: "nvs full", purpose: "credentials", before });
  equal(r.state.phase, "activate_cloud");
  equal(r.state.session, session, "the activation session is the current one again");
  equal(r.state.onboarding, true, "window stays open");
  const t = r.find("timer_set");
  equal(t?.name, "retry");
  assert((t?.ms ?? 0) <= 1000, "first retry within 1 s");
  r.send({ type: "timer", name: "retry" });
  equal(r.find("mqtt_publish")?.topic, `${AC}/activation/out`);
  r.message(`${AC}/activation/in`, brokerData());
  equal(r.find("store_commit")?.record.broker.host, "cloud.example");
  equal(r.find("mqtt_connect")?.options.host, "cloud.example");
});

test("store failure (reducer): a failed home-prefix commit keeps the window open and asks the gateway again", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord({ home: undefined }) });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.connected();
  equal(r.state.phase, "home_prefix");
  const before = r.state;
  r.message(`${DID}/home/in`, homePrefix());
  equal(r.find("store_commit")?.purpose, "home");
  r.send({ type: "store_failed", error: "nvs full", purpose: "home", before });
  equal(r.state.phase, "home_prefix");
  equal(r.state.onboarding, true);
  equal(r.state.record?.home, undefined, "the prefix counts only once stored");
  r.send({ type: "timer", name: "retry" });
  equal(r.find("mqtt_publish")?.topic, `${DID}/home/out`);
  r.send({ type: "timer", name: "window" });
  equal(r.state.phase, "unprovisioned");
  assert(r.kinds().includes("store_erase"), "the window's end rolls back");
});
