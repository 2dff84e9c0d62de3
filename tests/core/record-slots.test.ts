// The credential record's exact checks: every shape problem by name, every slot problem as the
// note load() gives, the write order that keeps a commit or an erase old-or-new, the generation wrap.
import { test, assert, equal, deepEqual, throws } from "../harness";
import { CredentialStore, recordProblem, splitUtf8, type CredentialRecord } from "../../src/core/record";
import { MemoryStore } from "../../src/core/nvs";
import type { KeyValueStore } from "../../src/core/ports";
import { crc32 } from "../../src/core/crc32";

const D = "mqtt2go";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const A: CredentialRecord = { broker: { kind: "local", host: "mqtt2go.local", port: 8883 }, user: "ua", password: "pa", cert: CERT };
const B: CredentialRecord = {
  broker: { kind: "cloud", host: "broker.example.com", port: 8884, name: "mqtt2go-gw.local" },
  user: "ub", password: "pb", cert: CERT, wifi: { ssid: "HomeNet", password: "wp" },
  home: { home: "H1", gateway: "G1" }, name: "Lamp", groups: ["g1"],
};

const load = (mem: MemoryStore): { record: CredentialRecord | null; notes: string[] } => new CredentialStore(mem).load();

/** A (slot 0, generation 1), then B (slot 1, generation 2, active). */
function two(): MemoryStore {
  const mem = new MemoryStore();
  const cs = new CredentialStore(mem);
  cs.commit(A);
  cs.commit(B);
  return mem;
}

function setText(mem: MemoryStore, slot: number, text: string): void {
  mem.set(D, `s${slot}.c0`, text);
  mem.set(D, `s${slot}.len`, 1);
  mem.set(D, `s${slot}.crc`, crc32(text) | 0);
}

test("record shape: every problem is named exactly (fields, never values); edge values are accepted", () => {
  const base = B as unknown as Record<string, unknown>;
  const broker = B.broker as unknown as Record<string, unknown>;
  const cases: [unknown, string | undefined][] = [
    [null, "record is not an object"], ["x", "record is not an object"], [[A], "record is not an object"],
    [{ ...base, broker: null }, "broker is not an object"], [{ ...base, broker: "b" }, "broker is not an object"], [{ ...base, broker: [] }, "broker is not an object"],
    [{ ...base, broker: { ...broker, kind: "lan" } }, "broker.kind is not local or cloud"],
    [{ ...base, broker: { ...broker, host: "" } }, "broker.host is not a non-empty string"],
    [{ ...base, broker: { ...broker, host: 7 } }, "broker.host is not a non-empty string"],
    [{ ...base, broker: { ...broker, port: "8883" } }, "broker.port is not a port number"],
    [{ ...base, broker: { ...broker, port: 8883.5 } }, "broker.port is not a port number"],
    [{ ...base, broker: { ...broker, port: 0 } }, "broker.port is not a port number"],
    [{ ...base, broker: { ...broker, port: 65536 } }, "broker.port is not a port number"],
    [{ ...base, broker: { ...broker, port: 1 } }, undefined], [{ ...base, broker: { ...broker, port: 65535 } }, undefined],
    [{ ...base, broker: { ...broker, name: 5 } }, "broker.name is not a host name"],
    [{ ...base, broker: { ...broker, name: "" } }, "broker.name is not a host name"],
    [{ ...base, broker: { ...broker, name: "n".repeat(254) } }, "broker.name is not a host name"],
    [{ ...base, broker: { ...broker, name: "n".repeat(253) } }, undefined],
    [{ ...base, user: 1 }, "user is not a string"], [{ ...base, user: "" }, undefined],
    [{ ...base, password: null }, "password is not a string"],
    [{ ...base, cert: "" }, "cert is not a non-empty string"], [{ ...base, cert: 1 }, "cert is not a non-empty string"],
    [{ ...base, wifi: undefined }, undefined],
    [{ ...base, wifi: "HomeNet" }, "wifi is not an object"],
    [{ ...base, wifi: { ssid: "", password: "p" } }, "wifi.ssid is not a non-empty string"],
    [{ ...base, wifi: { ssid: 1, password: "p" } }, "wifi.ssid is not a non-empty string"],
    [{ ...base, wifi: { ssid: "s", password: 1 } }, "wifi.password is not a string"],
    [{ ...base, wifi: { ssid: "s", password: "" } }, undefined],
    [{ ...base, home: [] }, "home is not an object"],
    [{ ...base, home: { home: "a/b", gateway: "G" } }, "home.home is not an id"],
    [{ ...base, home: { home: "H", gateway: "" } }, "home.gateway is not an id"],
    [{ ...base, name: 3 }, "name is not a string"],
    [{ ...base, groups: "g1" }, "groups is not an array of strings"], [{ ...base, groups: ["g", 1] }, "groups is not an array of strings"],
    [{ ...base, groups: [] }, undefined],
    [A, undefined], [B, undefined],
  ];
  for (const [i, [r, problem]] of cases.entries()) equal(recordProblem(r), problem, `case ${i}`);
  const e = throws(() => new CredentialStore(new MemoryStore()).commit({ ...A, cert: "" })) as Error;
  equal(e.message, "credential record not stored: cert is not a non-empty string");
});

test("record: a record without Wi-Fi, home or groups and one with every field round-trip exactly", () => {
  for (const r of [A, B]) {
    const mem = new MemoryStore();
    new CredentialStore(mem).commit(r);
    deepEqual(load(mem), { record: r, notes: [] });
  }
});

test("record: splitUtf8 fills each piece up to the limit, and a character wider than the limit gets a piece of its own", () => {
  deepEqual(splitUtf8("abcdef", 3), ["abc", "def"]);
  deepEqual(splitUtf8("abcdefg", 3), ["abc", "def", "g"]);
  deepEqual(splitUtf8("a€b", 4), ["a€", "b"]);
  deepEqual(splitUtf8("€a", 2), ["€", "a"]);
  deepEqual(splitUtf8("", 3), [""]);
});

test("record: every slot problem is the note load() gives, and the other slot is used", () => {
  const cases: [string, (m: MemoryStore) => void][] = [
    ["incomplete (no length)", (m) => m.delete(D, "s1.len")],
    ["length invalid", (m) => m.set(D, "s1.len", 0)],
    ["length invalid", (m) => m.set(D, "s1.len", 5)],
    ["length invalid", (m) => m.set(D, "s1.len", 1.5)],
    ["length invalid", (m) => m.set(D, "s1.len", "1")],
    ["checksum missing", (m) => m.delete(D, "s1.crc")],
    ["checksum missing", (m) => m.set(D, "s1.crc", String(m.get(D, "s1.crc")))],
    ["generation invalid", (m) => m.set(D, "s1.gen", 0)],
    ["generation invalid", (m) => m.set(D, "s1.gen", "2")],
    ["generation invalid", (m) => m.set(D, "s1.gen", 2.5)],
    ["chunk 1 missing", (m) => m.set(D, "s1.len", 2)],
    ["checksum mismatch", (m) => m.set(D, "s1.crc", ((m.get(D, "s1.crc") as number) ^ 1) | 0)],
    ["not JSON", (m) => setText(m, 1, "{")],
    ["not a record", (m) => setText(m, 1, "[1,2]")],
    ["not a record", (m) => setText(m, 1, "null")],
    ["not a record", (m) => setText(m, 1, "7")],
    ["unknown format version 3", (m) => setText(m, 1, JSON.stringify({ ...B, v: 3 }))],
    ["unknown format version (not an integer)", (m) => setText(m, 1, JSON.stringify({ ...B, v: "2" }))],
    ["unknown format version (not an integer)", (m) => setText(m, 1, JSON.stringify({ ...B }))],
    ["invalid: broker.port is not a port number", (m) => setText(m, 1, JSON.stringify({ v: 2, ...B, broker: { ...B.broker, port: 0 } }))],
  ];
  for (const [problem, spoil] of cases) {
    const mem = two();
    spoil(mem);
    deepEqual(load(mem), { record: A, notes: [`slot 1 ${problem}, using slot 0`] }, problem);
  }
  // a version-1 record is read as it is
  const mem = two();
  setText(mem, 1, JSON.stringify({ v: 1, ...A, user: "v1" }));
  deepEqual(load(mem), { record: { ...A, user: "v1" }, notes: [] });
});

test("record: with the active pointer at slot 0, a bad slot 0 falls back to slot 1", () => {
  const mem = two();
  new CredentialStore(mem).commit({ ...A, user: "third" }); // slot 0, generation 3
  equal(mem.get(D, "act"), 0);
  mem.delete(D, "s0.len");
  deepEqual(load(mem), { record: B, notes: ["slot 0 incomplete (no length), using slot 1"] });
});

test("record: a slot whose keys cannot be read is 'unreadable'; a pointer that cannot be read is invalid", () => {
  const mem = two();
  const reads: KeyValueStore = {
    get: (d, k) => { if (k === "s1.c0" || k === "act") throw new Error("flash read"); return mem.get(d, k); },
    set: (d, k, v) => mem.set(d, k, v),
    delete: (d, k) => mem.delete(d, k),
  };
  deepEqual(new CredentialStore(reads).load(), { record: A, notes: ["active-slot pointer invalid", "no active-slot pointer, using slot 0 (generation 1)"] });
  const both: KeyValueStore = { ...reads, get: (d, k) => { if (k.endsWith(".c0")) throw new Error("flash read"); return mem.get(d, k); } };
  deepEqual(new CredentialStore(both).load(), { record: null, notes: ["slot 1 unreadable", "slot 0 unreadable"] });
  const nothing: KeyValueStore = { ...reads, get: (d, k) => { if (k.endsWith(".c0") || k === "act") throw new Error("flash read"); return mem.get(d, k); } };
  deepEqual(new CredentialStore(nothing).load(), { record: null, notes: ["active-slot pointer invalid", "slot 0 unreadable", "slot 1 unreadable"] });
});

test("record: without a pointer, the higher generation wins (slot 0 as well), a tie goes to slot 0, and bad slots are noted", () => {
  const mem = two();
  new CredentialStore(mem).commit({ ...A, user: "third" }); // slot 0, generation 3
  mem.delete(D, "act");
  deepEqual(load(mem), { record: { ...A, user: "third" }, notes: ["no active-slot pointer, using slot 0 (generation 3)"] });
  mem.set(D, "s1.gen", 3);
  deepEqual(load(mem).record, { ...A, user: "third" }, "equal generations: slot 0");
  const bad = two();
  bad.delete(D, "act");
  bad.set(D, "s0.len", 9);
  bad.set(D, "s1.gen", 0);
  deepEqual(load(bad), { record: null, notes: ["slot 0 length invalid", "slot 1 generation invalid"] });
  const empty = two();
  empty.delete(D, "act");
  empty.delete(D, "s0.len");
  empty.set(D, "s1.crc", 1);
  deepEqual(load(empty), { record: null, notes: ["slot 1 checksum mismatch"] }, "an incomplete slot is not worth a note");
});

test("record: the generation wraps to 1 past int32 (NVS stores no larger integer)", () => {
  const mem = new MemoryStore();
  const cs = new CredentialStore(mem);
  cs.commit(A);
  mem.set(D, "s0.gen", 0x7fffffff);
  cs.commit(B);
  equal(mem.get(D, "s1.gen"), 1);
  deepEqual(load(mem).record, B);
  mem.set(D, "s1.gen", 0x7ffffffe);
  cs.commit(A);
  equal(mem.get(D, "s0.gen"), 0x7fffffff);
});

/** The writes a store sees, in order. */
function recorder(mem: MemoryStore): { store: KeyValueStore; ops: string[] } {
  const ops: string[] = [];
  return {
    ops,
    store: {
      get: (d, k) => mem.get(d, k),
      set: (d, k, v) => { ops.push(`set ${k}`); mem.set(d, k, v); },
      delete: (d, k) => { ops.push(`delete ${k}`); mem.delete(d, k); },
    },
  };
}

test("record: a commit invalidates the slot it overwrites first, writes its length and then the pointer last, and deletes only what exists", () => {
  const mem = new MemoryStore();
  const first = recorder(mem);
  new CredentialStore(first.store).commit(A);
  deepEqual(first.ops, ["set s0.c0", "set s0.crc", "set s0.gen", "set s0.len", "set act"]);
  new CredentialStore(mem).commit(B);
  const big = { ...A, cert: CERT + "x".repeat(5000) };
  new CredentialStore(mem).commit(big); // slot 0 now holds two chunks
  const next = recorder(mem);
  new CredentialStore(next.store).commit(A); // over slot 1 (one chunk)
  new CredentialStore(mem).commit(B); // slot 0 again
  const last = recorder(mem);
  new CredentialStore(last.store).commit(A); // over slot 1
  deepEqual(next.ops, ["delete s1.len", "set s1.c0", "set s1.crc", "set s1.gen", "set s1.len", "set act"]);
  deepEqual(load(mem).record, A);
  const shrink = recorder(mem);
  new CredentialStore(mem).commit(big); // slot 0: two chunks
  new CredentialStore(mem).commit(A); // slot 1
  new CredentialStore(shrink.store).commit(A); // slot 0 shrinks to one chunk: its second goes
  deepEqual(shrink.ops, ["delete s0.len", "set s0.c0", "delete s0.c1", "set s0.crc", "set s0.gen", "set s0.len", "set act"]);
  equal(last.ops[0], "delete s1.len");
});

test("record: erase invalidates the inactive slot, then the active one, then the pointer; an empty store is not written", () => {
  for (const commits of [1, 2, 3]) {
    const mem = new MemoryStore();
    for (let i = 0; i < commits; i++) new CredentialStore(mem).commit(i % 2 ? B : A);
    const active = mem.get(D, "act");
    const r = recorder(mem);
    new CredentialStore(r.store).erase();
    const other = active === 0 ? 1 : 0;
    deepEqual(r.ops.slice(0, commits > 1 ? 3 : 2), commits > 1 ? [`delete s${other}.len`, `delete s${active}.len`, "delete act"] : ["delete s0.len", "delete act"], `${commits} commits`);
    deepEqual(mem.keys(D), [], `${commits} commits: every key gone`);
  }
  const mem = new MemoryStore();
  new CredentialStore(mem).erase();
  equal(mem.writes, 0);
});

test("record: an erase cut after its first write leaves the current record, never the one it replaced", () => {
  const mem = two(); // B active in slot 1, A in slot 0
  mem.failAfter(1);
  throws(() => new CredentialStore(mem).erase());
  mem.heal();
  deepEqual(load(mem).record, B);
});

test("record: a store that batches gets each commit and each erase as one batch", () => {
  const mem = new MemoryStore();
  const log: string[] = [];
  const batching: KeyValueStore = {
    get: (d, k) => mem.get(d, k),
    set: (d, k, v) => { log.push("w"); mem.set(d, k, v); },
    delete: (d, k) => { log.push("w"); mem.delete(d, k); },
    batch: (writes) => { log.push("["); writes(); log.push("]"); },
  };
  const cs = new CredentialStore(batching);
  cs.commit(A);
  cs.erase();
  deepEqual(log, ["[", "w", "w", "w", "w", "w", "]", "[", "w", "w", "w", "w", "w", "]"]);
  assert(cs.load().record === null);
});
