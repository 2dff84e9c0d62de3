// PROTOCOL §10 reconnect policy on the reducer, with seeded random and the reducer's timers as
// effects: the broker ending an established session spreads the first reconnect over [0, 20 s);
// a Wi-Fi rejoin reconnects at once; CONNACK 3 backs off ≥ 30 s; a fleet's reconnects stay flat.
import { type Effect, WIFI_REJOIN_JITTER_MS } from "../../src/core/onboarding";
import type { CloseReason } from "../../src/core/ports";
import { assert, equal, test } from "../harness";
import { Rig, seeded, testConfig, toOperational } from "./onboarding-kit";

function reconnectMs(effects: Effect[]): number | undefined {
  const t = effects.find((e): e is Extract<Effect, { kind: "timer_set" }> => e.kind === "timer_set" && e.name === "reconnect");
  return t?.ms;
}

function drop(r: Rig, reason: CloseReason): number {
  const ms = reconnectMs(r.send({ type: "mqtt_closed", session: r.state.session, reason, detail: "" }));
  assert(ms !== undefined, `a reconnect timer after ${reason}`);
  return ms;
}

test("the broker ending an established session: first reconnect uniform in [0, 20 s), whatever the backoff attempt", () => {
  for (const reason of ["network", "closed", "timeout"] as const) {
    const delays: number[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const r = new Rig();
      (r as { random: () => number }).random = seeded(seed);
      toOperational(r);
      delays.push(drop(r, reason));
    }
    assert(delays.every((d) => Number.isInteger(d) && d >= 0 && d < 20_000), `${reason}: all in [0, 20 s)`);
    // Uniform, not the 1 s backoff: each 5 s quarter holds about a quarter of the draws.
    for (let q = 0; q < 4; q++) {
      const n = delays.filter((d) => d >= q * 5000 && d < (q + 1) * 5000).length;
      assert(n > 60 && n < 140, `${reason}: quarter ${q} holds ${n} of 400`);
    }
  }
});

test("after the spread, a failing reconnect continues with the 1 s doubling", () => {
  const r = new Rig();
  toOperational(r);
  drop(r, "network");
  r.send({ type: "timer", name: "reconnect" });
  equal(r.state.open, true, "reconnecting");
  // Not established: the connect itself failed (the broker is still down).
  for (const cap of [1000, 2000, 4000]) {
    const ms = drop(r, "refused");
    assert(ms < cap, `delay ${ms} < ${cap}`);
    r.send({ type: "timer", name: "reconnect" });
  }
});

test("the spread is configurable; a session that never connected keeps the plain backoff", () => {
  const r = new Rig(testConfig({ reconnectSpreadMs: 4000 }));
  toOperational(r);
  assert(drop(r, "closed") < 4000);
  r.send({ type: "timer", name: "reconnect" });
  assert(drop(r, "network") < 1000, "a connect that failed before CONNACK: 1 s backoff");
});

test("CONNACK 3 (server unavailable) backs off at least 30 s, jittered above it", () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 50; seed++) {
    const r = new Rig();
    (r as { random: () => number }).random = seeded(seed);
    toOperational(r);
    drop(r, "closed");
    r.send({ type: "timer", name: "reconnect" });
    const ms = drop(r, "unavailable");
    assert(ms >= 30_000 && ms < 31_000, `${ms} in [30 s, 31 s) on the first attempt`);
    seen.add(ms);
    r.send({ type: "timer", name: "reconnect" });
    const again = drop(r, "unavailable");
    assert(again >= 30_000 && again < 32_000, `${again}: 30 s plus the doubled jitter`);
  }
  assert(seen.size > 40, "not one synchronized instant");
});

test("Wi-Fi rejoin: a pending reconnect goes within 1 s instead of its spread", () => {
  const r = new Rig();
  (r as { random: () => number }).random = seeded(7);
  toOperational(r);
  drop(r, "network");
  const ms = reconnectMs(r.send({ type: "wifi_rejoined" }));
  assert(ms !== undefined && ms >= 0 && ms < WIFI_REJOIN_JITTER_MS, `rejoin reconnect in ${ms} ms`);
  assert(r.logs().includes("wifi.rejoined"));
  r.send({ type: "timer", name: "reconnect" });
  assert(r.find("mqtt_connect"), "reconnects");
});

test("Wi-Fi rejoin changes nothing while a session is open or outside a broker phase", () => {
  const r = new Rig();
  toOperational(r);
  equal(r.send({ type: "wifi_rejoined" }).length, 0, "operational with an open session");
  const u = new Rig();
  u.send({ type: "boot", record: null });
  equal(u.send({ type: "wifi_rejoined" }).length, 0, "during WPS");
});

test("a fleet of 2,000 units dropped at once by a broker restart reconnects at ≤ 5 % per second", () => {
  const N = 2000;
  const perSecond = new Array<number>(30).fill(0);
  for (let i = 0; i < N; i++) {
    const r = new Rig();
    (r as { random: () => number }).random = seeded(1000 + i);
    toOperational(r);
    const at = drop(r, "closed");
    perSecond[Math.floor(at / 1000)]++;
    r.send({ type: "timer", name: "reconnect" });
    r.connected();
    equal(r.state.phase, "operational");
  }
  const peak = Math.max(...perSecond);
  assert(peak <= 0.05 * N * 1.25, `peak ${peak} per second of ${N} (5 %/s = ${0.05 * N}, sampling slack 25 %)`);
  equal(perSecond.slice(20).reduce((a, b) => a + b, 0), 0, "all back within 20 s");
});
