import { test, assert, equal, deepEqual, throws } from "../harness";
import { MemoryStore, NVS_MAX_STRING_BYTES, checkName, checkValue, nvsChecked, utf8Length, utf8Width } from "../../src/core/nvs";
import type { KeyValueStore } from "../../src/core/ports";

const D = "nvstest";

function message(fn: () => unknown): string {
  const e = throws(fn);
  assert(e instanceof Error, String(e));
  return e.message;
}

test("nvs: UTF-8 widths at every encoding boundary (what NVS counts against 4000 bytes)", () => {
  const widths: [number, number][] = [[0, 1], [0x7f, 1], [0x80, 2], [0x7ff, 2], [0x800, 3], [0xffff, 3], [0x10000, 4], [0x10ffff, 4]];
  for (const [cp, w] of widths) equal(utf8Width(cp), w, cp.toString(16));
  equal(utf8Length("a\u0080\u07ff\u0800\uffff\u{10000}"), 1 + 2 + 2 + 3 + 3 + 4);
  equal(utf8Length("\ud800"), 3, "a lone surrogate is written as U+FFFD");
  // a string of 3-byte characters at the limit is accepted, one character more is not
  equal(checkValue("\u0800".repeat(NVS_MAX_STRING_BYTES / 3)), undefined);
  assert(checkValue("\u0800".repeat(NVS_MAX_STRING_BYTES / 3) + "a") !== undefined);
  assert(checkValue("\u{10000}".repeat(1000)) !== undefined, "4-byte characters: 1000 of them are 4000 bytes");
  equal(checkValue("\u{10000}".repeat(999) + "ab"), undefined, "3998 bytes + 1 byte = 3999");
});

test("nvs: names are printable ASCII: space and tilde are, controls and DEL are not; the first bad character is named", () => {
  equal(checkName("a b"), undefined);
  equal(checkName("~key~"), undefined);
  equal(checkName(" "), undefined);
  equal(checkName("x\u001f"), "name must be printable ASCII (character 1 is not)");
  equal(checkName("\u007fx"), "name must be printable ASCII (character 0 is not)");
  equal(checkName("ab\u{1F600}"), "name must be printable ASCII (character 2 is not)");
  equal(checkName(42), "name must be a string");
  equal(checkName(undefined), "name must be a string");
  equal(checkName(""), "name must not be empty");
});

test("nvs: int32 bounds on both sides", () => {
  equal(checkValue(-0x80000000), undefined);
  equal(checkValue(0x7fffffff), undefined);
  equal(checkValue(-0x80000001), "integer is outside the int32 range NVS stores");
  equal(checkValue(0x80000000), "integer is outside the int32 range NVS stores");
  equal(checkValue(true), undefined);
});

test("nvs: the error names the operation, the domain and the key", () => {
  const s = nvsChecked(new MemoryStore());
  equal(message(() => s.get(D, "")), `NVS get "${D}"/"" rejected: key name must not be empty`);
  equal(message(() => s.set(D, "", 1)), `NVS set "${D}"/"" rejected: key name must not be empty`);
  equal(message(() => s.delete(D, "")), `NVS delete "${D}"/"" rejected: key name must not be empty`);
  equal(message(() => s.set(D, "k", 1.5)), `NVS set "${D}"/"k" rejected: number is not an integer, NVS stores no floats`);
  equal(message(() => s.set("", "k", 1)), `NVS set ""/"k" rejected: domain name must not be empty`);
});

test("nvs: a checked store passes a batch through to a store that has one, and has none when the store has none", () => {
  const calls: string[] = [];
  const mem = new MemoryStore();
  const inner: KeyValueStore = {
    get: (d, k) => mem.get(d, k),
    set: (d, k, v) => { calls.push(`set ${k}`); mem.set(d, k, v); },
    delete: (d, k) => mem.delete(d, k),
    batch: (writes) => { calls.push("begin"); writes(); calls.push("end"); },
  };
  const s = nvsChecked(inner);
  assert(s.batch !== undefined);
  s.batch(() => s.set(D, "k", 1));
  deepEqual(calls, ["begin", "set k", "end"]);
  equal(mem.get(D, "k"), 1);
  assert(!("batch" in nvsChecked(new MemoryStore())), "no batch to pass through");
});

test("MemoryStore: flash that lies changes the one write it was told to (string, number, boolean) and no other", () => {
  const m = new MemoryStore();
  m.corruptOnceAfter(0);
  m.set(D, "a", "abc");
  equal(m.get(D, "a"), "abx", "last character replaced");
  m.set(D, "b", "abc");
  equal(m.get(D, "b"), "abc", "only once");
  m.corruptOnceAfter(0);
  m.set(D, "a", "wax");
  equal(m.get(D, "a"), "way", "a string ending in x gets y");
  m.corruptOnceAfter(1);
  m.set(D, "n", 6);
  m.set(D, "n", 6);
  equal(m.get(D, "n"), 7, "the second set from now, lowest bit flipped");
  m.corruptOnceAfter(0);
  m.set(D, "f", true);
  equal(m.get(D, "f"), false);
  equal(m.writes, 6, "a lying write still counts as a success");
});

test("MemoryStore: one failing write throws, erases first only when modelling the ESP32 preference, and later writes succeed", () => {
  for (const eraseBeforeSet of [false, true]) {
    const m = new MemoryStore({ eraseBeforeSet });
    m.set(D, "k", "old");
    m.failOnceAfter(0);
    equal(message(() => m.set(D, "k", "new")), "MemoryStore: simulated write failure");
    equal(m.get(D, "k"), eraseBeforeSet ? undefined : "old", `eraseBeforeSet ${eraseBeforeSet}`);
    m.set(D, "k", "new");
    equal(m.get(D, "k"), "new");
  }
  const m = new MemoryStore();
  m.set(D, "k", 1);
  m.failOnceAfter(0);
  equal(message(() => m.delete(D, "k")), "MemoryStore: simulated write failure");
  equal(m.get(D, "k"), 1, "the failed delete kept the key");
  m.delete(D, "k");
  equal(m.get(D, "k"), undefined);
  m.set(D, "k", 2);
  m.failOnceAfter(1);
  m.delete(D, "k");
  equal(message(() => m.set(D, "k", 3)), "MemoryStore: simulated write failure", "a delete counts toward the failing write");
});

test("MemoryStore: after the power is cut every write throws and nothing changes, until it heals", () => {
  const m = new MemoryStore();
  m.set(D, "k", 1);
  m.failAfter(0);
  equal(message(() => m.set(D, "k", 2)), "MemoryStore: simulated power loss");
  equal(message(() => m.delete(D, "k")), "MemoryStore: simulated power loss");
  equal(m.get(D, "k"), 1);
  equal(m.writes, 1);
  m.heal();
  m.delete(D, "k");
  equal(m.get(D, "k"), undefined);
});

test("MemoryStore: keys of one domain only; every domain once", () => {
  const m = new MemoryStore();
  m.set("one", "a", 1);
  m.set("two", "b", 2);
  m.set("one", "c", 3);
  deepEqual(m.keys("one"), ["a", "c"]);
  deepEqual(m.keys("tw"), []);
  deepEqual(m.domains(), ["one", "two"]);
  deepEqual(new MemoryStore().domains(), []);
});
