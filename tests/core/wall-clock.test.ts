import { test, assert, equal, deepEqual } from "../harness";
import { CLOCK_DOMAIN, LAST_TIME_KEY, PERSIST_EVERY_S, SNTP_RETRY_CAP_MS, SNTP_RETRY_FIRST_MS, WallClock, sntpRetryDelay } from "../../src/core/wall-clock";
import { MemoryStore, nvsChecked } from "../../src/core/nvs";

const BUILD = 1_790_000_000; // 2026-09-21
const DAY = 86_400;

function clock(store?: MemoryStore, buildTimeS = BUILD): { c: WallClock; advance: (ms: number) => void } {
  let up = 0;
  const c = new WallClock({ uptimeMs: () => up, buildTimeS, ...(store ? { store: nvsChecked(store) } : {}) });
  return { c, advance: (ms) => void (up += ms) };
}

test("wall clock: not valid at boot; the lower bound is the build time plus uptime", () => {
  const { c, advance } = clock();
  equal(c.now(), undefined);
  equal(c.source, undefined);
  equal(c.lowerBoundS(), BUILD);
  advance(90_500);
  equal(c.lowerBoundS(), BUILD + 90);
  equal(c.now(), undefined);
});

test("wall clock: SNTP makes it valid and it runs on uptime", () => {
  const { c, advance } = clock();
  deepEqual(c.sntp(BUILD + 5 * DAY), { ok: true });
  equal(c.source, "sntp");
  equal(c.now(), BUILD + 5 * DAY);
  advance(61_999);
  equal(c.now(), BUILD + 5 * DAY + 61);
  equal(c.lowerBoundS(), BUILD + 5 * DAY + 61);
});

test("wall clock: an SNTP answer before the build time is refused, the clock stays invalid", () => {
  const { c } = clock();
  const r = c.sntp(BUILD - 1);
  equal(r.ok, false);
  equal(c.now(), undefined);
  equal(c.sntp(0).ok, false);
  equal(c.sntp(1.5).ok, false);
});

test("wall clock: an authenticated message's timestamp sets it (seconds, milliseconds, numeric strings)", () => {
  for (const [t, expected] of [[BUILD + 100, BUILD + 100], [(BUILD + 100) * 1000 + 999, BUILD + 100], [String(BUILD + 7), BUILD + 7]] as const) {
    const { c } = clock();
    deepEqual(c.heard(t), { ok: true }, String(t));
    equal(c.source, "message");
    equal(c.now(), expected);
  }
});

test("wall clock: unusable message timestamps are ignored (0, garbage, before the floor)", () => {
  const { c } = clock();
  for (const t of [0, "0", -5, "abc", null, undefined, {}, BUILD - 10, 1e20]) equal(c.heard(t).ok, false, JSON.stringify(t));
  equal(c.now(), undefined);
});

test("wall clock: SNTP outranks messages; a later message refines a message time", () => {
  const { c } = clock();
  c.heard(BUILD + 100);
  c.heard(BUILD + 200);
  equal(c.now(), BUILD + 200);
  c.sntp(BUILD + 150);
  equal(c.source, "sntp");
  equal(c.now(), BUILD + 150);
  equal(c.heard(BUILD + 999).ok, false);
  equal(c.now(), BUILD + 150);
});

test("wall clock: the valid time is persisted once at once, then at most hourly, as an NVS int", () => {
  const store = new MemoryStore();
  const { c, advance } = clock(store);
  equal(c.persist(), undefined, "nothing while invalid");
  equal(store.get(CLOCK_DOMAIN, LAST_TIME_KEY), undefined);
  c.sntp(BUILD + DAY);
  equal(c.persist(), BUILD + DAY);
  equal(store.get(CLOCK_DOMAIN, LAST_TIME_KEY), BUILD + DAY);
  advance((PERSIST_EVERY_S - 1) * 1000);
  equal(c.persist(), undefined, "not yet due");
  advance(1000);
  equal(c.persist(), BUILD + DAY + PERSIST_EVERY_S);
  equal(store.get(CLOCK_DOMAIN, LAST_TIME_KEY), BUILD + DAY + PERSIST_EVERY_S);
});

test("wall clock: the persisted time raises the lower bound after a restart, and messages cannot go below it", () => {
  const store = new MemoryStore();
  const first = clock(store);
  first.c.heard(BUILD + 30 * DAY);
  first.c.persist();
  const { c, advance } = clock(store);
  equal(c.persistedS, BUILD + 30 * DAY);
  equal(c.now(), undefined, "a persisted time does not make the clock valid");
  advance(5_000);
  equal(c.lowerBoundS(), BUILD + 30 * DAY + 5);
  equal(c.heard(BUILD + 29 * DAY).ok, false);
  // SNTP may correct a persisted time that a wrong clock once wrote (never below the build time).
  equal(c.sntp(BUILD + 2 * DAY).ok, true);
});

test("wall clock: a persisted value that is not a time is ignored", () => {
  for (const bad of ["1790000000", -1, 0, true]) {
    const store = new MemoryStore();
    store.set(CLOCK_DOMAIN, LAST_TIME_KEY, bad);
    equal(clock(store).c.persistedS, 0, String(bad));
  }
});

test("certificates with a valid clock: not yet valid, valid, expired", () => {
  const { c } = clock();
  c.sntp(BUILD + 10 * DAY);
  deepEqual(c.judge({ fromS: BUILD + 11 * DAY, toS: BUILD + 400 * DAY }), { ok: false, reason: "not_yet_valid" });
  deepEqual(c.judge({ fromS: BUILD, toS: BUILD + 400 * DAY }), { ok: true });
  deepEqual(c.judge({ fromS: BUILD - 400 * DAY, toS: BUILD + 9 * DAY }), { ok: false, reason: "expired" });
});

test("certificates without a valid clock: never 'not yet valid'; expired only before the last known time", () => {
  const store = new MemoryStore();
  store.set(CLOCK_DOMAIN, LAST_TIME_KEY, BUILD + 100 * DAY);
  const { c } = clock(store);
  // Issued long after everything the unit knows (a renewed broker certificate): accepted.
  deepEqual(c.judge({ fromS: BUILD + 500 * DAY, toS: BUILD + 900 * DAY }), { ok: true });
  // Expired after the build time but before the persisted time: refused.
  deepEqual(c.judge({ fromS: BUILD - DAY, toS: BUILD + 50 * DAY }), { ok: false, reason: "expired" });
  // Expired after the last known time: the unit cannot know, so it is accepted.
  deepEqual(c.judge({ fromS: BUILD - DAY, toS: BUILD + 101 * DAY }), { ok: true });
  deepEqual(c.judge({ fromS: 10, toS: 5 }), { ok: false, reason: "malformed" });
  deepEqual(c.judge({ fromS: NaN, toS: 5 }), { ok: false, reason: "malformed" });
});

test("chain instant: the valid time when valid; else past the latest notBefore and not before the lower bound", () => {
  const { c } = clock();
  const ca = { fromS: BUILD - 365 * DAY, toS: BUILD + 3650 * DAY };
  const leaf = { fromS: BUILD + 20 * DAY, toS: BUILD + 400 * DAY };
  deepEqual(c.chainInstant([leaf, ca]), { ok: true, atS: BUILD + 20 * DAY + 1 });
  deepEqual(c.chainInstant([ca]), { ok: true, atS: BUILD });
  // Every certificate of the chain is inside its validity at that instant.
  const v = c.chainInstant([leaf, ca]);
  assert(v.ok && v.atS > leaf.fromS && v.atS < leaf.toS && v.atS > ca.fromS && v.atS < ca.toS);
  c.sntp(BUILD + 21 * DAY);
  deepEqual(c.chainInstant([leaf, ca]), { ok: true, atS: BUILD + 21 * DAY });
  c.sntp(BUILD + 10 * DAY);
  deepEqual(c.chainInstant([leaf, ca]), { ok: false, reason: "not_yet_valid" });
});

test("chain instant: an expired member or disjoint periods refuse the chain", () => {
  const { c } = clock();
  deepEqual(c.chainInstant([{ fromS: BUILD - 10 * DAY, toS: BUILD - DAY }]), { ok: false, reason: "expired" });
  // The anchor ends before the leaf begins: no instant has both valid.
  deepEqual(c.chainInstant([{ fromS: BUILD + 50 * DAY, toS: BUILD + 90 * DAY }, { fromS: BUILD - DAY, toS: BUILD + 40 * DAY }]), { ok: false, reason: "disjoint" });
});

test("SNTP retry: 15 s doubling to 30 min, ±20 %, never 0", () => {
  const mid = (a: number): number => sntpRetryDelay(a, () => 0.5);
  equal(mid(0), SNTP_RETRY_FIRST_MS);
  equal(mid(1), 2 * SNTP_RETRY_FIRST_MS);
  equal(mid(3), 8 * SNTP_RETRY_FIRST_MS);
  equal(mid(30), SNTP_RETRY_CAP_MS);
  equal(mid(1e9), SNTP_RETRY_CAP_MS);
  equal(sntpRetryDelay(0, () => 0), SNTP_RETRY_FIRST_MS * 0.8);
  assert(sntpRetryDelay(5, () => 0.9999) <= 480_000 * 1.2);
  equal(sntpRetryDelay(-3, () => 0.5), SNTP_RETRY_FIRST_MS);
});

test("wall clock: it runs on the uptime since it was set, not since boot", () => {
  const { c, advance } = clock();
  advance(10_000);
  c.sntp(BUILD + DAY);
  equal(c.now(), BUILD + DAY);
  advance(2_500);
  equal(c.now(), BUILD + DAY + 2);
});

test("wall clock: the platform's own clock ranks with SNTP; each refusal says why", () => {
  const { c } = clock();
  deepEqual(c.host(BUILD + DAY), { ok: true });
  equal(c.source, "host");
  equal(c.now(), BUILD + DAY);
  deepEqual(c.heard(BUILD + 2 * DAY), { ok: false, why: "clock set by host" });
  equal(c.now(), BUILD + DAY);
  const s = clock().c;
  s.sntp(BUILD + DAY);
  deepEqual(s.heard(BUILD + 2 * DAY), { ok: false, why: "clock set by sntp" });
  const m = clock().c;
  deepEqual(m.heard("soon"), { ok: false, why: "no usable timestamp" });
  deepEqual(m.heard(BUILD - 1), { ok: false, why: "before the last known time" });
  for (const t of [0, -1, BUILD + 0.5, 253402300800, NaN, Infinity]) deepEqual(m.sntp(t), { ok: false, why: "not a time" }, String(t));
  deepEqual(m.sntp(BUILD - 1), { ok: false, why: "before the last known time" });
  equal(m.now(), undefined);
  deepEqual(m.sntp(BUILD), { ok: true }, "the build time itself is a time");
  equal(m.now(), BUILD);
  deepEqual(clock().c.heard(BUILD), { ok: true });
  deepEqual(clock().c.sntp(253402300799), { ok: true }, "the last second of 9999 is a time");
});

test("wall clock: past 2038 the time is not persisted (NVS holds an int32); up to it, it is", () => {
  const INT32_MAX = 0x7fffffff;
  const late = new MemoryStore();
  const a = clock(late).c;
  a.sntp(INT32_MAX + 1);
  equal(a.persist(), undefined);
  equal(late.get(CLOCK_DOMAIN, LAST_TIME_KEY), undefined);
  const edge = new MemoryStore();
  const b = clock(edge).c;
  b.sntp(INT32_MAX);
  equal(b.persist(), INT32_MAX);
  equal(edge.get(CLOCK_DOMAIN, LAST_TIME_KEY), INT32_MAX);
  equal(clock(edge).c.persistedS, INT32_MAX, "read back after a restart");
});

test("wall clock: without a store nothing is persisted; a store that fails to read gives no persisted time", () => {
  const { c } = clock();
  c.sntp(BUILD + DAY);
  equal(c.persist(), undefined);
  equal(c.persistedS, 0);
  const broken = new MemoryStore();
  broken.get = () => { throw new Error("flash read failed"); };
  const b = new WallClock({ uptimeMs: () => 0, buildTimeS: BUILD, store: broken });
  equal(b.persistedS, 0);
  equal(b.lowerBoundS(), BUILD);
});

test("wall clock: a persisted float, zero or value past int32 is no time; 1 s and int32 max are", () => {
  for (const [stored, expected] of [[BUILD + 0.5, 0], [0.5, 0], [0x80000000, 0], [0x7fffffff, 0x7fffffff], [1, 1]] as const) {
    const store = new MemoryStore();
    store.set(CLOCK_DOMAIN, LAST_TIME_KEY, stored);
    equal(clock(store).c.persistedS, expected, String(stored));
  }
});

test("certificates: the first and the last second of the validity count as valid", () => {
  const { c } = clock();
  c.sntp(BUILD + 10 * DAY);
  const now = BUILD + 10 * DAY;
  deepEqual(c.judge({ fromS: now, toS: now + DAY }), { ok: true });
  deepEqual(c.judge({ fromS: now - DAY, toS: now }), { ok: true });
  deepEqual(c.judge({ fromS: now, toS: now }), { ok: true }, "a period of one second");
  deepEqual(c.judge({ fromS: now + 1, toS: now + 1 }), { ok: false, reason: "not_yet_valid" });
  deepEqual(c.judge({ fromS: -Infinity, toS: now + DAY }), { ok: false, reason: "malformed" });
  deepEqual(c.judge({ fromS: now - DAY, toS: Infinity }), { ok: false, reason: "malformed" });
  deepEqual(c.judge({ fromS: now - DAY, toS: NaN }), { ok: false, reason: "malformed" });
});

test("certificates without a valid clock: one that ends at the lower bound is expired, one second later it is not", () => {
  const { c } = clock();
  deepEqual(c.judge({ fromS: BUILD - DAY, toS: BUILD }), { ok: false, reason: "expired" });
  deepEqual(c.judge({ fromS: BUILD - DAY, toS: BUILD + 1 }), { ok: true });
});

test("chain instant: with a valid clock it is the time itself, even when a member starts that second", () => {
  const { c } = clock();
  c.sntp(BUILD + DAY);
  deepEqual(c.chainInstant([{ fromS: BUILD + DAY, toS: BUILD + 9 * DAY }, { fromS: BUILD - DAY, toS: BUILD + DAY }]), { ok: true, atS: BUILD + DAY });
});

test("chain instant: periods that share only their last second give no instant strictly inside both", () => {
  const { c } = clock();
  const leaf = { fromS: BUILD + 5, toS: BUILD + 100 };
  deepEqual(c.chainInstant([leaf, { fromS: BUILD - 10, toS: BUILD + 6 }]), { ok: false, reason: "disjoint" });
  deepEqual(c.chainInstant([leaf, { fromS: BUILD - 10, toS: BUILD + 7 }]), { ok: true, atS: BUILD + 6 });
});
