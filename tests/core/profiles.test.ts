import { test, assert, equal, deepEqual } from "../harness";
import {
  createEntities, isDeviceType, multiSensorProfile, PROFILES, REPORT_EVERY_MS, socketProfile,
  type MultiSensorDrivers, type SocketDrivers,
} from "../../src/core/profiles";
import { EntityModel } from "../../src/core/entities";
import { simulatedDrivers, simulatedMultiSensor, simulatedSocket } from "../../src/core/sim-drivers";
import type { Command, CommandType } from "../../src/core/entity-types";
import { seeded } from "../seeded";

function cmd(type: CommandType, value?: unknown): Command {
  return { type, value, timestamp: undefined };
}


function fakeClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function stubSocket(): SocketDrivers & { sets: boolean[] } {
  let on = false;
  const sets: boolean[] = [];
  return {
    sets,
    relay: { get: () => on, set: (next) => { sets.push(next); on = next; return on; } },
    meter: { powerW: () => (on ? 42.5 : 0), energyWs: () => 1234 },
  };
}

function stubMultiSensor(): MultiSensorDrivers {
  let on = true;
  return {
    power: { get: () => on, set: (next) => (on = next) },
    thermometer: { celsius: () => 21.8 },
    hygrometer: { percent: () => 47 },
    motion: { present: () => true },
  };
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/;

test("socket profile: home_prefix descriptors", () => {
  const m = new EntityModel(socketProfile(stubSocket()));
  const d = m.descriptors();
  deepEqual(d, [
    { name: "switch", unit: "", type: "s" },
    { name: "power", unit: "W", type: "f" },
    { name: "energy", unit: "Ws", type: "f" },
  ]);
  equal(JSON.stringify(d), '[{"name":"switch","unit":"","type":"s"},{"name":"power","unit":"W","type":"f"},{"name":"energy","unit":"Ws","type":"f"}]');
  deepEqual(m.reportable(), ["power", "energy"]);
  equal(m.reportIntervalMs(), REPORT_EVERY_MS);
});

test("multi_sensor profile: home_prefix descriptors", () => {
  const m = new EntityModel(multiSensorProfile(stubMultiSensor()));
  deepEqual(m.descriptors(), [
    { name: "switch", unit: "", type: "s" },
    { name: "temperature", unit: "C", type: "f" },
    { name: "humidity", unit: "%", type: "f" },
    { name: "motion", unit: "", type: "b" },
  ]);
  deepEqual(m.reportable(), ["temperature", "humidity", "motion"]);
  for (const n of m.names()) assert(ID.test(n), n);
});

test("socket: switch drives the relay and confirms its state; measurements are query-only", () => {
  const s = stubSocket();
  const m = createEntities("socket", s);
  deepEqual(m.execute("switch", cmd("set", "on")), { ok: true, applied: "on" });
  deepEqual(s.sets, [true]);
  deepEqual(m.execute("power", cmd("query", "power")), { ok: true, applied: 42.5 });
  deepEqual(m.execute("energy", cmd("query")), { ok: true, applied: 1234 });
  deepEqual(m.execute("power", cmd("set", 10)), { ok: false, reason: "unsupported_command" });
  deepEqual(m.execute("switch", cmd("set", true)), { ok: false, reason: "invalid_value" });
  deepEqual(m.execute("switch", cmd("set", "off")), { ok: true, applied: "off" });
  deepEqual(s.sets, [true, false]);
  deepEqual(m.execute("consumption", cmd("query")), { ok: false, reason: "unsupported_command" });
});

test("socket: a relay that does not switch is confirmed as it is", () => {
  const s = stubSocket();
  s.relay.set = () => false;
  const m = createEntities("socket", s);
  deepEqual(m.execute("switch", cmd("set", "on")), { ok: true, applied: "off" });
});

test("multi_sensor: switch and readings", () => {
  const d = stubMultiSensor();
  const m = createEntities("multi_sensor", d);
  deepEqual(m.execute("switch", cmd("query")), { ok: true, applied: "on" });
  deepEqual(m.execute("switch", cmd("set", "off")), { ok: true, applied: "off" });
  equal(d.power.get(), false);
  deepEqual(m.execute("temperature", cmd("query", "temperature")), { ok: true, applied: 21.8 });
  deepEqual(m.execute("humidity", cmd("query")), { ok: true, applied: 47 });
  deepEqual(m.execute("motion", cmd("query", "motion")), { ok: true, applied: true });
  deepEqual(m.execute("motion", cmd("set", false)), { ok: false, reason: "unsupported_command" });
});

test("profile registry", () => {
  assert(isDeviceType("socket") && isDeviceType("multi_sensor"));
  assert(!isDeviceType("light") && !isDeviceType("toString") && !isDeviceType("__proto__"));
  deepEqual(Object.keys(PROFILES), ["socket", "multi_sensor"]);
});

test("simulated socket: power only while on; energy grows only while on", () => {
  const clock = fakeClock();
  const d = simulatedSocket(seeded(1), clock.now);
  equal(d.relay.get(), false);
  equal(d.meter.powerW(), 0);
  clock.advance(60_000);
  equal(d.meter.energyWs(), 0, "energy while off");

  equal(d.relay.set(true), true);
  const p = d.meter.powerW();
  assert(p >= 5 && p <= 100, `power ${p}`);
  clock.advance(10_000);
  const e1 = d.meter.energyWs();
  assert(e1 >= 50 && e1 <= 1000, `energy after 10 s at 5–100 W: ${e1}`);
  clock.advance(10_000);
  const e2 = d.meter.energyWs();
  assert(e2 > e1, "energy grows while on");

  equal(d.relay.set(false), false);
  equal(d.meter.powerW(), 0);
  const e3 = d.meter.energyWs();
  clock.advance(3_600_000);
  equal(d.meter.energyWs(), e3, "energy while off");
  assert(e3 >= e2);
});

test("simulated socket: energy matches the load over time and ignores a clock going back", () => {
  const clock = fakeClock();
  const d = simulatedSocket(() => 0.5, clock.now); // load 50 W, no drift
  d.relay.set(true);
  clock.advance(2_000);
  equal(d.meter.powerW(), 50);
  clock.advance(2_000);
  equal(d.meter.energyWs(), 200);
  clock.advance(-1_000);
  equal(d.meter.energyWs(), 200);
});

test("simulated drivers are deterministic for a deterministic random", () => {
  const run = () => {
    const clock = fakeClock();
    const s = simulatedSocket(seeded(7), clock.now);
    const m = simulatedMultiSensor(seeded(7), clock.now);
    s.relay.set(true);
    const out: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      clock.advance(1_000);
      out.push(s.meter.powerW(), s.meter.energyWs(), m.thermometer.celsius(), m.hygrometer.percent(), m.motion.present());
    }
    return out;
  };
  deepEqual(run(), run());
});

test("simulated multi-sensor: bounded readings", () => {
  const clock = fakeClock();
  const d = simulatedMultiSensor(seeded(3), clock.now);
  let motions = 0;
  for (let i = 0; i < 2000; i++) {
    clock.advance(5_000);
    const c = d.thermometer.celsius(), h = d.hygrometer.percent();
    assert(c >= 19 && c <= 23, `temperature ${c}`);
    assert(h >= 40 && h <= 60, `humidity ${h}`);
    if (d.motion.present()) motions++;
  }
  assert(motions > 0 && motions < 2000, `motion seen ${motions} times`);
  equal(d.power.get(), true);
  equal(d.power.set(false), false);
  equal(d.power.get(), false);
});

test("simulated multi-sensor: motion lasts 30 s once seen", () => {
  const clock = fakeClock();
  let next = 0.05;
  const d = simulatedMultiSensor(() => next, clock.now);
  equal(d.motion.present(), true);
  next = 0.9;
  clock.advance(29_999);
  equal(d.motion.present(), true);
  clock.advance(1);
  equal(d.motion.present(), false);
});

test("simulatedDrivers plug into createEntities", () => {
  const clock = fakeClock();
  const socket = createEntities("socket", simulatedDrivers("socket", seeded(1), clock.now));
  deepEqual(socket.execute("switch", cmd("set", "on")), { ok: true, applied: "on" });
  clock.advance(1_000);
  const r = socket.execute("energy", cmd("query"));
  assert(r.ok && typeof r.applied === "number" && r.applied > 0, JSON.stringify(r));
  const ms = createEntities("multi_sensor", simulatedDrivers("multi_sensor", seeded(1), clock.now));
  equal(ms.snapshot().length, 4);
});
