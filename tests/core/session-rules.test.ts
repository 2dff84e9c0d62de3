// Exact values where the code knows them: backoff delays from the seeded random source, the
// stable timer the code arms and clears, the Last Will on every operational connect, what a lost
// session or a late message does in each phase, and the retain flag of every publish kind.
// (Each test kills mutants that upper-bound checks and hand-fired timers let survive.)
import { assert, deepEqual, equal, test } from "../harness";
import { BACKOFF_CAP_MS, jittered } from "../../src/core/backoff";
import { MemoryStore } from "../../src/core/nvs";
import type { Effect } from "../../src/core/onboarding";
import { CredentialStore } from "../../src/core/record";
import { encodeWill } from "../../src/core/messages";
import { CLOSE_TIMINGS, type CloseTiming, FakePlatform, makeDevice, toCloudActivation } from "./device-kit";
import { AC, DID, Rig, activationRig, brokerData, homePrefix, provisionedRecord, seeded, toOperational } from "./onboarding-kit";

const P = `home1/gw1/${DID}`;
const WILL = { topic: `${P}/status/out`, payload: '{"type":"status","priority_level":1,"timestamp":0,"value":"offline"}', retain: true };

/** A rig whose random source records every draw, so tests can compute the exact delays. */
function recordingRig(seed: number, record = provisionedRecord()): { r: Rig; draws: number[] } {
  const r = new Rig();
  const source = seeded(seed);
  const draws: number[] = [];
  (r as { random: () => number }).random = () => {
    const v = source();
    draws.push(v);
    return v;
  };
  r.send({ type: "boot", record });
  return { r, draws };
}

function timerSet(effects: Effect[], name: string): Extract<Effect, { kind: "timer_set" }> | undefined {
  return effects.find((e): e is Extract<Effect, { kind: "timer_set" }> => e.kind === "timer_set" && e.name === name);
}

test("reconnect backoff: each failed connect waits exactly floor(draw × min(60 s, 1 s × 2^attempt))", () => {
  const { r, draws } = recordingRig(42);
  r.send({ type: "wifi_done", result: { ok: true } });
  const delays: number[] = [];
  const ceilings: number[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    assert(r.find("mqtt_connect"), `attempt ${attempt} connects`);
    const before = draws.length;
    const ms = timerSet(r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "ECONNREFUSED" }), "reconnect")?.ms;
    equal(draws.length, before + 1, "one draw per delay");
    const ceiling = Math.min(BACKOFF_CAP_MS, 1000 * 2 ** attempt);
    equal(ms, Math.floor(draws[before] * ceiling), `attempt ${attempt}`);
    delays.push(Number(ms));
    ceilings.push(ceiling);
    r.send({ type: "timer", name: "reconnect" });
  }
  deepEqual(ceilings, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
  // The seeded source (mulberry32, seed 42) gives these; a backoff stuck at 1 s or 2 s cannot.
  assert(delays.filter((d) => d > 2000).length >= 5, `delays ${delays.join(",")} grow past 2 s`);
  assert(delays.slice(6).some((d) => d > 30000), `delays ${delays.join(",")} reach the upper half of the cap`);
});

test("activation request re-sends: every 10 s ± 20 %, drawn from the random source (not a flat 10,000 ms)", () => {
  const r = activationRig("cloud");
  const source = seeded(5);
  const draws: number[] = [];
  (r as { random: () => number }).random = () => { const v = source(); draws.push(v); return v; };
  const seen: number[] = [];
  for (let i = 0; i < 8; i++) {
    const before = draws.length;
    const fx = r.send({ type: "timer", name: "retry" });
    assert(fx.some((e) => e.kind === "mqtt_publish" && e.topic === `${AC}/activation/out`), "request re-sent");
    const ms = timerSet(fx, "retry")?.ms;
    equal(draws.length, before + 1);
    equal(ms, jittered(10_000, () => draws[before]));
    equal(ms, Math.round(10_000 * (0.8 + 0.4 * draws[before])));
    seen.push(Number(ms));
  }
  assert(seen.every((ms) => ms >= 8000 && ms <= 12000), seen.join(","));
  assert(new Set(seen).size >= 6, `spread: ${seen.join(",")}`);
});

test("the stable timer: armed for exactly 60 s on every operational connect, cleared when the session closes", () => {
  const r = new Rig();
  toOperational(r);
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "" });
  assert(r.effects.some((e) => e.kind === "timer_clear" && e.name === "stable"), "cleared on close");
  r.send({ type: "timer", name: "reconnect" });
  const fx = r.connected();
  deepEqual(timerSet(fx, "stable"), { kind: "timer_set", name: "stable", ms: 60_000 });
  // Not on an activation session.
  const a = activationRig("local");
  assert(!a.all.some((e) => e.kind === "timer_set" && e.name === "stable"), "no stable timer for an init session");
});

/** A provisioned unit on the runtime, its connect refused `failures` times, then connected. */
function provisionedDevice(failures: number, timing: CloseTiming) {
  const store = new MemoryStore();
  new CredentialStore(store).commit(provisionedRecord());
  const p = new FakePlatform(store, timing);
  const d = makeDevice(p);
  d.start();
  p.joins[0]?.done({ ok: true });
  for (let i = 0; i < failures; i++) {
    p.last.drop("refused", "ECONNREFUSED");
    p.settle();
    p.timers.advance(60_000); // the reconnect timer fires (≤ 60 s)
  }
  p.last.handlers.onConnected();
  equal(d.phase, "operational");
  return { p, d };
}

for (const timing of CLOSE_TIMINGS) {
  test(`runtime (onClose ${timing}): 60 s up resets the backoff through the timer the code arms (not one fired by hand)`, () => {
    const { p, d } = provisionedDevice(4, timing);
    equal(d.snapshot.attempt, 4, "four failures counted");
    p.timers.advance(59_999);
    equal(d.snapshot.attempt, 4, "not before 60 s");
    p.timers.advance(1);
    equal(d.snapshot.attempt, 0, "reset at 60 s up");
  });

  test(`runtime (onClose ${timing}): a session that drops before 60 s keeps its backoff (the stable timer dies with it)`, () => {
    const { p, d } = provisionedDevice(4, timing);
    p.timers.advance(30_000);
    const dead = p.last;
    dead.drop("network", "ECONNRESET");
    p.settle();
    equal(d.phase, "connect");
    equal(dead.state, "ended");
    const attempt = d.snapshot.attempt;
    assert(attempt >= 4, `attempt ${attempt}`);
    // Past the moment the old stable timer would have fired; the reconnect's own session stays pending.
    p.timers.advance(45_000);
    assert(d.snapshot.attempt >= attempt, `attempt ${d.snapshot.attempt} not reset by a closed session's timer`);
    assert(p.last !== dead, "a new session");
    equal(p.last.state, "connecting");
    deepEqual(dead.lost, [], "nothing sent on the dead link");
  });

  test(`runtime (onClose ${timing}): a drop right after CONNACK sends nothing on the dead session, and the reconnect resubscribes`, () => {
    const { p, d } = provisionedDevice(0, timing);
    const first = p.last;
    equal(first.pubs.length, 4, "online status and three entity states");
    first.drop("network", "ECONNRESET");
    // A report timer due now, before a later-turn onClose, must not reach the dead link as a throw.
    p.timers.advance(60_000);
    p.settle();
    equal(first.state, "ended");
    assert(p.sessions.length >= 2, "reconnecting");
    p.timers.advance(60_000);
    p.last.handlers.onConnected();
    equal(d.phase, "operational");
    deepEqual(p.last.subs, [`${DID}/home/in`, `${P}/+/in`]);
  });
}

test("Last Will on every operational connect once the prefix is known: retained offline status, the same each time", () => {
  const r = new Rig();
  toOperational(r);
  const connects = r.all.filter((e): e is Extract<Effect, { kind: "mqtt_connect" }> => e.kind === "mqtt_connect");
  equal(connects.length, 3, "discovery, operational without prefix, operational with prefix");
  equal(connects[0]?.options.will, undefined);
  equal(connects[1]?.options.will, undefined, "prefix not known yet");
  deepEqual(connects[2]?.options.will, WILL);
  equal(encodeWill(), WILL.payload);
  for (const reason of ["network", "refused", "auth", "timeout", "closed"] as const) {
    r.send({ type: "mqtt_closed", session: r.state.session, reason, detail: "" });
    r.send({ type: "timer", name: "reconnect" });
    deepEqual(r.find("mqtt_connect")?.options.will, WILL, `reconnect after ${reason}`);
    equal(r.state.will, true);
    if (reason !== "refused") r.connected();
  }
  // A provisioned boot: the first connect of the boot and every later one.
  const b = new Rig();
  b.send({ type: "boot", record: provisionedRecord() });
  b.send({ type: "wifi_done", result: { ok: true } });
  deepEqual(b.find("mqtt_connect")?.options.will, WILL);
  b.send({ type: "mqtt_closed", session: b.state.session, reason: "refused", detail: "" });
  b.send({ type: "timer", name: "reconnect" });
  deepEqual(b.find("mqtt_connect")?.options.will, WILL);
});

test("a session lost while waiting for the home prefix goes back to connect, then asks again", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  r.connected();
  r.message(`${AC}/activation/in`, brokerData());
  r.connected();
  equal(r.state.phase, "home_prefix");
  const fx = r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "" });
  equal(r.state.phase, "connect");
  assert(fx.some((e) => e.kind === "indicate" && e.status === "offline"));
  assert(fx.some((e) => e.kind === "timer_clear" && e.name === "retry"), "no home_prefix re-send on a dead session");
  assert(timerSet(fx, "reconnect"), "reconnect scheduled");
  r.send({ type: "timer", name: "retry" });
  equal(r.find("mqtt_publish"), undefined, "a stale retry publishes nothing");
  r.send({ type: "timer", name: "reconnect" });
  equal(r.find("mqtt_connect")?.options.will, undefined, "still no prefix, so no Will");
  r.connected();
  equal(r.state.phase, "home_prefix");
  equal(r.find("mqtt_publish")?.topic, `${DID}/home/out`, "asked again");
});

test("home_prefix while operational is ignored: no commit, no reconnect, the prefix stays", () => {
  const r = new Rig();
  toOperational(r);
  const session = r.state.session;
  const fx = r.message(`${DID}/home/in`, homePrefix("home9", "gw9"));
  deepEqual(fx.filter((e) => e.kind !== "log"), [], "no effect but a log line");
  deepEqual(r.logs(), ["home_prefix.ignored"]);
  equal(r.state.phase, "operational");
  equal(r.state.session, session);
  deepEqual(r.state.record?.home, { home: "home1", gateway: "gw1" });
});

test("rediscovery: a changed port alone is stored and used; the same address and port store nothing", () => {
  const stored = provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883, name: "MQTT2GO.local" } });
  const r = new Rig();
  r.send({ type: "boot", record: stored });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 18883 } });
  deepEqual(r.find("store_commit")?.record.broker, { kind: "local", host: "192.168.1.10", port: 18883, name: "MQTT2GO.local" });
  equal(r.find("mqtt_connect")?.options.port, 18883);
  deepEqual(r.state.record?.broker, { kind: "local", host: "192.168.1.10", port: 18883, name: "MQTT2GO.local" });

  const same = new Rig();
  same.send({ type: "boot", record: stored });
  same.send({ type: "wifi_done", result: { ok: true } });
  same.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 } });
  equal(same.find("store_commit"), undefined);
  equal(same.find("mqtt_connect")?.options.port, 8883);
});

test("retain flags: status, state and confirmations retained; errors and about not", () => {
  const r = new Rig();
  toOperational(r);
  const online = r.all.filter((e): e is Extract<Effect, { kind: "mqtt_publish" }> => e.kind === "mqtt_publish" && e.topic === `${P}/status/out`);
  deepEqual(online.map((e) => e.retain), [true]);
  r.message(`${P}/switch/in`, "{not json");
  deepEqual(r.findAll("mqtt_publish").map((e) => [e.topic, e.retain]), [[`${P}/switch/out`, false]]);
  r.message(`${P}/nosuch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  deepEqual(r.findAll("mqtt_publish").map((e) => [e.topic, e.retain]), [[`${P}/nosuch/out`, false]]);
  r.message(`${P}/about/in`, JSON.stringify({ type: "query", timestamp: 1, value: "about" }));
  deepEqual(r.findAll("mqtt_publish").map((e) => [e.topic, e.retain]), [[`${P}/about/out`, false]]);
  r.message(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: "maybe" }));
  deepEqual(r.findAll("mqtt_publish").map((e) => [e.topic, e.retain]), [[`${P}/remove/out`, false]]);

  // Through the runtime: a command's confirmation is retained, its failure is not.
  const p = new FakePlatform();
  toCloudActivation(p);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${DID}/home/in`, homePrefix());
  p.last.handlers.onConnected();
  const op = p.last;
  op.pubs.length = 0;
  op.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  op.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "maybe" }));
  deepEqual(op.pubs.map((x) => [x.topic, (JSON.parse(x.payload) as { type: string }).type, x.retain]), [
    [`${P}/switch/out`, "command_response", true],
    [`${P}/switch/out`, "error", false],
  ]);
});
