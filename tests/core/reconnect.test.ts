// PROTOCOL §10 reconnect policy on the reducer, with seeded random and the reducer's timers as
// effects: the broker ending an established session spreads the first reconnect over [0, 20 s);
// a Wi-Fi rejoin reconnects at once; CONNACK 3 backs off ≥ 30 s; a fleet's reconnects stay flat.
import { type Effect, WIFI_REJOIN_JITTER_MS } from "../../src/core/onboarding";
import type { CloseReason } from "../../src/core/ports";
import { assert, equal, test } from "../harness";
import { brokerRestart } from "./fleet-clock";
import { Rig, provisionedRecord, seeded, testConfig, toOperational } from "./onboarding-kit";

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

test("after the spread, a failing reconnect doubles from the spread (40 s, then the 60 s cap), not from 1 s", () => {
  const ceilings = [40_000, 60_000, 60_000];
  const seen: number[][] = ceilings.map(() => []);
  for (let seed = 1; seed <= 200; seed++) {
    const r = new Rig();
    (r as { random: () => number }).random = seeded(seed);
    toOperational(r);
    drop(r, "network");
    r.send({ type: "timer", name: "reconnect" });
    equal(r.state.open, true, "reconnecting");
    // Not established: the connect itself failed (the broker is still down).
    ceilings.forEach((cap, k) => {
      const ms = drop(r, "refused");
      assert(Number.isInteger(ms) && ms >= 0 && ms < cap, `attempt ${k + 1}: delay ${ms} < ${cap}`);
      seen[k].push(ms);
      r.send({ type: "timer", name: "reconnect" });
    });
  }
  // Full jitter over the whole window: the first retry's draws reach past 20 s and below 1 s alike.
  assert(seen[0].some((ms) => ms >= 20_000), "some first retries past the 20 s spread");
  assert(seen[0].filter((ms) => ms < 1000).length < 20, "the 1 s window is not where the retries pile up");
  assert(seen[1].some((ms) => ms >= 40_000), "the second retry's window is capped at 60 s, not 40 s");
});

test("after 60 s connected the backoff is back on the 1 s scale", () => {
  const r = new Rig();
  toOperational(r);
  drop(r, "closed");
  r.send({ type: "timer", name: "reconnect" });
  r.connected();
  equal(r.state.phase, "operational");
  r.send({ type: "timer", name: "stable" });
  equal(r.state.spreadScale, false, "scale reset with the attempt");
  equal(r.state.attempt, 0);
  // A connect that fails before CONNACK (never established): the plain 1 s doubling.
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "closed", detail: "" });
  r.send({ type: "timer", name: "reconnect" });
  assert(drop(r, "refused") < 40_000);
  const first = new Rig();
  first.send({ type: "boot", record: provisionedRecord() });
  first.send({ type: "wifi_done", result: { ok: true } });
  assert(first.find("mqtt_connect"), "connects after the Wi-Fi join");
  const ms = reconnectMs(first.send({ type: "mqtt_closed", session: first.state.session, reason: "refused", detail: "" }));
  assert(ms !== undefined && ms < 1000, `a unit that never connected starts at 1 s (${ms})`);
});

test("a spread configured as 0 keeps the 1 s doubling after it (no reconnect loop)", () => {
  const r = new Rig(testConfig({ reconnectSpreadMs: 0 }));
  toOperational(r);
  equal(drop(r, "closed"), 0);
  r.send({ type: "timer", name: "reconnect" });
  const ms = drop(r, "refused");
  assert(ms < 2000, `${ms} on the 1 s scale`);
  r.send({ type: "timer", name: "reconnect" });
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "" });
  for (let k = 0; k < 12; k++) { r.send({ type: "timer", name: "reconnect" }); r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "" }); }
  assert(reconnectMs(r.effects) !== undefined && r.state.attempt > 5, "keeps backing off");
});

test("CONNACK 3 (server unavailable) backs off at least 30 s, jittered above it on the spread's scale", () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 50; seed++) {
    const r = new Rig();
    (r as { random: () => number }).random = seeded(seed);
    toOperational(r);
    drop(r, "closed");
    r.send({ type: "timer", name: "reconnect" });
    const ms = drop(r, "unavailable");
    assert(ms >= 30_000 && ms < 70_000, `${ms} in [30 s, 30 + 40 s) after the spread`);
    seen.add(ms);
    r.send({ type: "timer", name: "reconnect" });
    const again = drop(r, "unavailable");
    assert(again >= 30_000 && again < 90_000, `${again}: 30 s plus the jitter capped at 60 s`);
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
  // Lost on its own link, not by a fleet-wide broker event: a failure now backs off on the 1 s scale.
  equal(r.state.spreadScale, false);
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

let shared: Rig[] | undefined;
/** 2,000 operational units (built once: after each storm below all of them are operational and past their 60 s stable timer again). */
function fleet(): Rig[] {
  return shared ??= Array.from({ length: 2000 }, (_, i) => {
    const r = new Rig();
    (r as { random: () => number }).random = seeded(5000 + i);
    toOperational(r);
    r.all.length = 0;
    return r;
  });
}

test("fake clock, 2,000 units, broker down 11.3 s: retries of failed spread reconnects do not bunch up when it returns", () => {
  const N = 2000;
  const storm = brokerRestart(fleet(), 11_300);
  const peak = Math.max(...storm.perSecond);
  // The spread alone is 5 %/s; the ~56 % whose spread reconnect met the dead broker add their
  // retries spread over 40 s (≈ 1.4 %/s). On the 1 s scale they all came back within ~2 s of 11.3 s.
  assert(peak <= 0.065 * N * 1.25, `peak ${peak}/s of ${N} (per second: ${storm.perSecond.join(",")})`);
  const justAfter = storm.perSecond[11] + storm.perSecond[12] + storm.perSecond[13];
  assert(justAfter < 0.25 * N, `${justAfter} connects in the 3 s after the broker came back`);
  assert(storm.allBackMs !== undefined && storm.allBackMs < 120_000, `all back after ${storm.allBackMs} ms`);
  assert(storm.attemptsPerSecond.slice(0, 11).every((a) => a <= 0.05 * N * 1.5), "attempts while down stay spread too");
});

test("fake clock, 2,000 units, a broker back within 1 s: ≤ 5 %/s, all back within about a minute", () => {
  const N = 2000;
  const storm = brokerRestart(fleet(), 1000);
  const peak = Math.max(...storm.perSecond);
  assert(peak <= 0.05 * N * 1.25, `peak ${peak}/s of ${N} (5 %/s = ${0.05 * N}, sampling slack 25 %)`);
  // The last: spread into the first second, failed, retried in [0, 40 s) still before 1 s, failed, [0, 60 s).
  assert(storm.allBackMs !== undefined && storm.allBackMs < 62_000, `all back after ${storm.allBackMs} ms`);
  equal(storm.perSecond.reduce((a, b) => a + b, 0), N, "each unit connects once");
  assert(fleet().every((r) => r.state.phase === "operational" && r.state.attempt === 0 && !r.state.spreadScale), "60 s later the backoff is reset everywhere");
});
