import { test, assert, equal, deepEqual, throws } from "../harness";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, RESET_AFTER_STABLE_MS, backoffDelay, jittered, unit } from "../../src/core/backoff";
import { seeded } from "../seeded";

const ALMOST_ONE = 0.9999999;


test("backoff: constants follow §10 (1 s base, 60 s cap, reset after 60 s up)", () => {
  equal(BACKOFF_BASE_MS, 1000);
  equal(BACKOFF_CAP_MS, 60000);
  equal(RESET_AFTER_STABLE_MS, 60000);
});

test("backoff: upper bound doubles from 1 s per attempt and stops at the 60 s cap", () => {
  const expected = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
  for (let attempt = 0; attempt < expected.length; attempt++) {
    const ceiling = expected[attempt];
    const top = backoffDelay(attempt, () => ALMOST_ONE);
    assert(top < ceiling && top >= ceiling - 1, `attempt ${attempt}: ${top} vs ceiling ${ceiling}`);
    equal(backoffDelay(attempt, () => 0), 0, `attempt ${attempt} lower bound`);
    equal(backoffDelay(attempt, () => 0.5), ceiling / 2);
  }
});

test("backoff: results are integers within [0, ceiling) for any random value, even broken ones", () => {
  for (const r of [0, 0.25, 0.999999999, 1, 1.5, -0.3, NaN, Infinity]) {
    for (const attempt of [0, 3, 6, 1e9, Infinity, -1, NaN, 2.7]) {
      const d = backoffDelay(attempt, () => r);
      assert(Number.isInteger(d) && d >= 0 && d < BACKOFF_CAP_MS, `attempt ${attempt}, random ${r}: ${d}`);
    }
  }
  equal(backoffDelay(1e9, () => 0.5), 30000, "huge attempt is capped");
  equal(backoffDelay(-5, () => 0.5), 500, "negative attempt counts as 0");
  equal(backoffDelay(2.7, () => 0.5), 2000, "fractional attempt rounds down");
  equal(backoffDelay(-Infinity, () => 0.5), 500, "-Infinity counts as 0");
  equal(backoffDelay(NaN, () => 0.5), 500, "NaN counts as 0");
  equal(backoffDelay(Infinity, () => 0.5), 30000, "Infinity is capped");
});

test("backoff: custom base and cap; invalid ones are refused", () => {
  equal(backoffDelay(3, () => 0.5, 100, 500), 250);
  equal(backoffDelay(2, () => 0.5, 100, 500), 200);
  throws(() => backoffDelay(0, () => 0.5, NaN));
  throws(() => backoffDelay(0, () => 0.5, 1000, Infinity));
});

test("backoff: deterministic with a seeded random, and jittered within bounds", () => {
  const run = (seed: number): number[] => {
    const random = seeded(seed);
    const out: number[] = [];
    for (let i = 0; i < 12; i++) out.push(backoffDelay(i, random));
    return out;
  };
  const a = run(42);
  deepEqual(run(42), a);
  assert(JSON.stringify(run(7)) !== JSON.stringify(a), "another seed gives other delays");
  for (let i = 0; i < a.length; i++) {
    const ceiling = Math.min(60000, 1000 * 2 ** i);
    assert(Number.isInteger(a[i]) && a[i] >= 0 && a[i] < ceiling, `attempt ${i}: ${a[i]}`);
  }
  const r = seeded(1);
  const first = r();
  assert(first >= 0 && first < 1);
  equal(seeded(1)(), first);
});

test("backoff: a random draw is forced into [0, 1); zero stays zero", () => {
  equal(unit(() => 0.25), 0.25);
  equal(unit(() => 0), 0);
  assert(Object.is(unit(() => -0), 0), "-0 becomes +0");
  equal(unit(() => -0.5), 0);
  equal(unit(() => NaN), 0);
  equal(unit(() => 1), 1 - Number.EPSILON);
  equal(unit(() => 7), 1 - Number.EPSILON);
  equal(backoffDelay(0, () => 1), 999, "a source returning 1 stays below the ceiling");
  equal(backoffDelay(6, () => 1), 59999);
});

test("backoff: a zero base, cap or re-send delay is valid (0 ms); a bad one is named in the error", () => {
  equal(backoffDelay(5, () => 0.5, 0), 0);
  equal(backoffDelay(5, () => 0.5, 1000, 0), 0);
  equal(jittered(0, () => 0.9), 0);
  const message = (fn: () => unknown): string => {
    const e = throws(fn);
    assert(e instanceof RangeError, String(e));
    return e.message;
  };
  equal(message(() => backoffDelay(0, () => 0.5, -1)), "baseMs must be a finite number of ms >= 0");
  equal(message(() => backoffDelay(0, () => 0.5, 1000, -1)), "capMs must be a finite number of ms >= 0");
  equal(message(() => jittered(-1, () => 0.5)), "ms must be a finite number of ms >= 0");
  equal(message(() => backoffDelay(0, () => 0.5, NaN)), "baseMs must be a finite number of ms >= 0");
});

test("backoff: jittered spreads ±20% by default, as an integer", () => {
  equal(jittered(10000, () => 0), 8000);
  equal(jittered(10000, () => 0.5), 10000);
  const top = jittered(10000, () => ALMOST_ONE);
  assert(top <= 12000 && top >= 11999, String(top));
  equal(jittered(10000, () => 0, 0.5), 5000);
  equal(jittered(10000, () => NaN), 8000);
  equal(jittered(10000, () => 0.3, 0), 10000);
  const r = seeded(3);
  for (let i = 0; i < 200; i++) {
    const v = jittered(10000, r);
    assert(Number.isInteger(v) && v >= 8000 && v <= 12000, String(v));
  }
  throws(() => jittered(NaN, () => 0.5));
});
