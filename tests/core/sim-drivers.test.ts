// The simulated hardware with a scripted random source: exact readings, so the simulator and the
// Node host show the walks the README describes (load 20–80 W at switch-on drifting ±2 W within
// 5–100 W, 21 ± 2 °C drifting ±0.2, 40–60 % drifting ±1, motion held 30 s after a 10 % roll).
import { equal, test } from "../harness";
import { simulatedMultiSensor, simulatedSocket } from "../../src/core/sim-drivers";

/** Returns the given values in turn (then 0.5, no drift); counts the calls. */
function script(...values: number[]): { random: () => number; calls: () => number } {
  let n = 0;
  return { random: () => (n < values.length ? values[n++] : (n++, 0.5)), calls: () => n };
}

function clock(start = 0): { now: () => number; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (ms) => { t = ms; } };
}

test("socket: the load is drawn once at switch-on (20 + 60·r W) and drifts 4·(r − 0.5) W per reading within 5–100 W", () => {
  const r = script(0.25, 1, 0, 0.75);
  const d = simulatedSocket(r.random, clock().now);
  d.relay.set(true); // 20 + 0.25·60 = 35 W
  equal(r.calls(), 1);
  d.relay.set(true); // already on: no new draw
  equal(r.calls(), 1);
  equal(d.meter.powerW(), 37); // +2
  equal(d.meter.powerW(), 35); // −2
  equal(d.meter.powerW(), 36); // +1
  d.relay.set(false);
  d.relay.set(false); // off while off: no draw
  equal(r.calls(), 4);
  equal(d.meter.powerW(), 0);
  equal(r.calls(), 4, "no drift while off");
});

test("socket: the load stays within 5–100 W", () => {
  const high = script(1, ...Array<number>(30).fill(1));
  const d = simulatedSocket(high.random, clock().now);
  d.relay.set(true); // 80 W
  let p = 0;
  for (let i = 0; i < 30; i++) p = d.meter.powerW();
  equal(p, 100);
  const low = script(0, ...Array<number>(30).fill(0));
  const e = simulatedSocket(low.random, clock().now);
  e.relay.set(true); // 20 W
  for (let i = 0; i < 30; i++) p = e.meter.powerW();
  equal(p, 5);
});

test("socket: energy counts only time on, and a clock going back then forward adds only new time", () => {
  const c = clock(1_000);
  const d = simulatedSocket(() => 0.5, c.now); // 50 W, no drift
  c.set(5_000);
  equal(d.meter.energyWs(), 0, "off");
  d.relay.set(true);
  c.set(7_000);
  equal(d.meter.energyWs(), 100);
  c.set(6_000);
  equal(d.meter.energyWs(), 100, "clock back");
  c.set(8_000);
  equal(d.meter.energyWs(), 150, "only 7 s → 8 s is new");
  d.relay.set(false);
  c.set(20_000);
  equal(d.meter.energyWs(), 150);
});

test("multi-sensor: temperature and humidity walk from 21 °C and 50 % by exact steps, clamped", () => {
  const r = script(1, 0, 1, 0);
  const d = simulatedMultiSensor(r.random, clock().now);
  equal(d.thermometer.celsius(), 21.2);
  equal(d.thermometer.celsius(), 21);
  equal(d.hygrometer.percent(), 51);
  equal(d.hygrometer.percent(), 50);
  const hot = simulatedMultiSensor(() => 1, clock().now);
  let t = 0, h = 0;
  for (let i = 0; i < 40; i++) { t = hot.thermometer.celsius(); h = hot.hygrometer.percent(); }
  equal(t, 23);
  equal(h, 60);
  const cold = simulatedMultiSensor(() => 0, clock().now);
  for (let i = 0; i < 40; i++) { t = cold.thermometer.celsius(); h = cold.hygrometer.percent(); }
  equal(t, 19);
  equal(h, 40);
});

test("multi-sensor: motion on a roll under 0.1, held for 30 s without new rolls", () => {
  const c = clock(0);
  const r = script(0.1, 0.5, 0.0999, 0.3);
  const d = simulatedMultiSensor(r.random, c.now);
  equal(d.motion.present(), false, "0.1 is no motion");
  equal(d.motion.present(), false);
  equal(d.motion.present(), true, "0.0999 is motion");
  equal(r.calls(), 3);
  c.set(29_999);
  equal(d.motion.present(), true);
  equal(r.calls(), 3, "held without a roll");
  c.set(30_000);
  equal(d.motion.present(), false, "over after 30 s, the next roll is 0.3");
  equal(r.calls(), 4);
  equal(d.power.get(), true);
  equal(d.power.set(false), false);
  equal(d.power.get(), false);
});
