import { test, equal } from "../harness";
import { emitTimestamp, MAX_UNIX_SECONDS, parseTimestamp } from "../../src/core/timestamp";

test("parseTimestamp: integer seconds and numeric strings", () => {
  equal(parseTimestamp(1700000000), 1700000000);
  equal(parseTimestamp("1700000000"), 1700000000);
  equal(parseTimestamp(1), 1);
  equal(parseTimestamp(1e11), 1e11, "exactly 10^11 is still seconds");
  equal(parseTimestamp(1700000000.9), 1700000000, "fractions are floored");
  equal(parseTimestamp("1700000000.5"), 1700000000);
  equal(parseTimestamp("1700000000.25"), 1700000000, "more than one fraction digit");
  equal(parseTimestamp(MAX_UNIX_SECONDS * 1000 + 999), MAX_UNIX_SECONDS, "the last millisecond of 9999 is a time");
  equal(parseTimestamp(String(MAX_UNIX_SECONDS * 1000)), MAX_UNIX_SECONDS);
  const forty = "1700000000." + "0".repeat(29);
  equal(forty.length, 40);
  equal(parseTimestamp(forty), 1700000000, "a numeric string of 40 characters is read");
});

test("parseTimestamp: a string over 40 characters is refused before it is scanned", () => {
  equal(parseTimestamp("1700000000." + "0".repeat(30)), undefined);
  equal(parseTimestamp("0".repeat(31) + "1700000000"), undefined);
});

test("parseTimestamp: milliseconds (> 10^11) become seconds", () => {
  equal(parseTimestamp(1700000000123), 1700000000);
  equal(parseTimestamp("1700000000999"), 1700000000);
  equal(parseTimestamp(1e11 + 1000), 1e8 + 1);
});

test("parseTimestamp: garbage is undefined, never an exception", () => {
  const bad: unknown[] = [
    undefined, null, true, false, "", " ", "abc", "17e8", "1e9", "0x10", "-1", "+1", " 1700000000", "1700000000 ", "1,7", "1.", ".5",
    "Infinity", "NaN", -1, -1700000000, NaN, Infinity, -Infinity, 0, "0", {}, [], [1700000000], { valueOf: () => 1 },
    Symbol("t"), 1e300, MAX_UNIX_SECONDS * 1000 + 1000, "9".repeat(25), "\u0661\u0662",
    0.5, 0.999, "0.5", String(MAX_UNIX_SECONDS * 1000 + 1000), -0.5, -1e12,
  ];
  for (const [i, v] of bad.entries()) equal(parseTimestamp(v), undefined, `row ${i}`);
});

test("emitTimestamp: integer seconds, 0 when unknown or invalid", () => {
  equal(emitTimestamp(1700000000), 1700000000);
  equal(emitTimestamp(1700000000.7), 1700000000);
  equal(emitTimestamp(undefined), 0);
  equal(emitTimestamp(NaN), 0);
  equal(emitTimestamp(Infinity), 0);
  equal(emitTimestamp(-5), 0);
  equal(emitTimestamp(0), 0);
  equal(emitTimestamp(Date.UTC(2024, 0, 1)), 0, "milliseconds are not a valid seconds value");
  equal(emitTimestamp(MAX_UNIX_SECONDS), MAX_UNIX_SECONDS);
  equal(emitTimestamp(MAX_UNIX_SECONDS + 1), 0);
  equal(emitTimestamp(1), 1);
  equal(emitTimestamp(0.5), 0, "under one second is no time");
  equal(emitTimestamp(-Infinity), 0);
});

test("emit and parse agree", () => {
  for (const t of [1, 1700000000, 99999999999]) equal(parseTimestamp(emitTimestamp(t)), t);
  equal(parseTimestamp(emitTimestamp(undefined)), undefined, "0 means the clock was not valid");
});
