import { test, assert, equal, deepEqual, throws } from "../harness";
import { CredentialStore, RECORD_MAX_CHUNKS, splitUtf8, type CredentialRecord } from "../../src/core/record";
import { MemoryStore, NVS_MAX_NAME, NVS_MAX_STRING, checkName, checkValue, nvsChecked, utf8Length } from "../../src/core/nvs";
import { crc32 } from "../../src/core/crc32";

const D = "mqtt2go";
const PASSWORD_A = "pw-Alpha-7c1e5b";
const PASSWORD_B = "pw-Bravo-93d0aa";

function pem(bodyChars: number): string {
  let body = "";
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < bodyChars; i++) {
    body += alphabet[(i * 7 + 3) % 64];
    if (i % 64 === 63) body += "\n";
  }
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

const A: CredentialRecord = {
  broker: { kind: "local", host: "mqtt2go.local", port: 8883 },
  user: "user-a", password: PASSWORD_A, cert: pem(900),
  wifi: { ssid: "HomeNet", password: "wifi-secret-1" },
};
const B: CredentialRecord = {
  broker: { kind: "cloud", host: "broker.example.com", port: 8884 },
  user: "user-b", password: PASSWORD_B, cert: pem(1100),
  wifi: { ssid: "HomeNet", password: "wifi-secret-1" },
  home: { home: "H1", gateway: "G1" },
  name: "Kitchen socket ☕", groups: ["g1", "g2"],
};
const BIG: CredentialRecord = { ...B, cert: pem(9000), name: "big" };

function fresh(options?: { eraseBeforeSet?: boolean }): { mem: MemoryStore; cs: CredentialStore } {
  const mem = new MemoryStore(options);
  return { mem, cs: new CredentialStore(mem) };
}

function loadFresh(mem: MemoryStore): { record: CredentialRecord | null; notes: string[] } {
  return new CredentialStore(mem).load();
}

function noSecrets(notes: string[]): void {
  for (const n of notes) {
    for (const s of [PASSWORD_A, PASSWORD_B, "wifi-secret-1", "BEGIN"]) assert(!n.includes(s), `note leaks a secret: ${n}`);
  }
}

test("record: empty store loads null without notes", () => {
  const { cs } = fresh();
  deepEqual(cs.load(), { record: null, notes: [] });
});

test("record: commit then load round-trips the record (fresh CredentialStore over the same store)", () => {
  const { mem, cs } = fresh();
  cs.commit(B);
  deepEqual(loadFresh(mem), { record: B, notes: [] });
  cs.commit(A);
  deepEqual(loadFresh(mem), { record: A, notes: [] });
});

test("record: loaded record holds only record fields (extra properties are not persisted)", () => {
  const { mem, cs } = fresh();
  cs.commit({ ...A, extra: "x" } as CredentialRecord);
  const r = loadFresh(mem).record;
  deepEqual(r, A);
});

test("record: generations grow and commits alternate slots via the act pointer", () => {
  const { mem, cs } = fresh();
  cs.commit(A);
  equal(mem.get(D, "act"), 0);
  equal(mem.get(D, "s0.gen"), 1);
  cs.commit(B);
  equal(mem.get(D, "act"), 1);
  equal(mem.get(D, "s1.gen"), 2);
  equal(mem.get(D, "s0.gen"), 1, "old slot untouched");
  cs.commit(A);
  equal(mem.get(D, "act"), 0);
  equal(mem.get(D, "s0.gen"), 3);
  deepEqual(cs.load().record, A);
});

test("record: stored layout: JSON with version, int32 crc of the text, chunk count", () => {
  const { mem, cs } = fresh();
  cs.commit(A);
  const text = mem.get(D, "s0.c0");
  assert(typeof text === "string");
  const parsed = JSON.parse(text) as { v: unknown };
  equal(parsed.v, 2);
  equal(mem.get(D, "s0.len"), 1);
  const crc = mem.get(D, "s0.crc");
  equal(crc, crc32(text) | 0);
  assert(typeof crc === "number" && crc >= -0x80000000 && crc <= 0x7fffffff);
});

function writesOf(setup: (cs: CredentialStore) => void, next: CredentialRecord): number {
  const { mem, cs } = fresh();
  setup(cs);
  const before = mem.writes;
  cs.commit(next);
  return mem.writes - before;
}

function tornCommits(label: string, setup: (cs: CredentialStore) => void, oldRec: CredentialRecord | null, next: CredentialRecord): void {
  for (const eraseBeforeSet of [false, true]) {
    const k = writesOf(setup, next);
    assert(k >= 5, `${label}: a commit writes chunks, crc, gen, len and act (got ${k} writes)`);
    let sawOld = false, sawNew = false;
    for (let n = 0; n <= k; n++) {
      const { mem, cs } = fresh({ eraseBeforeSet });
      setup(cs);
      mem.failAfter(n);
      let threw = false;
      try {
        cs.commit(next);
      } catch {
        threw = true;
      }
      equal(threw, n < k, `${label} n=${n}: commit throws iff torn`);
      mem.heal();
      let got: { record: CredentialRecord | null; notes: string[] } | undefined;
      try {
        got = loadFresh(mem);
      } catch (e) {
        throw new Error(`${label} n=${n} eraseBeforeSet=${String(eraseBeforeSet)}: load threw ${String(e)}`);
      }
      const isOld = JSON.stringify(got.record) === JSON.stringify(oldRec);
      const isNew = JSON.stringify(got.record) === JSON.stringify(next);
      assert(isOld || isNew, `${label} n=${n} eraseBeforeSet=${String(eraseBeforeSet)}: loaded neither the old nor the new record`);
      noSecrets(got.notes);
      if (isOld) sawOld = true;
      if (isNew) sawNew = true;
      if (n === 0) assert(isOld, `${label}: no write done → old record`);
      if (n === k) assert(isNew, `${label}: all writes done → new record`);
      // after the power comes back, the store keeps working
      const cs2 = new CredentialStore(mem);
      cs2.commit(A);
      deepEqual(cs2.load().record, A, `${label} n=${n}: commit after recovery`);
    }
    assert(sawOld && sawNew);
  }
}

test("record: a torn first commit at every write index leaves nothing or the new record", () => {
  tornCommits("first", () => undefined, null, A);
});

test("record: a torn commit at every write index leaves the old record or the new one, never a mix", () => {
  tornCommits("second", (cs) => cs.commit(A), A, B);
  tornCommits("third", (cs) => { cs.commit(A); cs.commit(B); }, B, A);
});

test("record: torn commits with multi-chunk records (big over small, small over big, big over big)", () => {
  tornCommits("big-over-small", (cs) => { cs.commit(A); cs.commit(B); }, B, BIG);
  tornCommits("small-over-big", (cs) => { cs.commit(BIG); cs.commit(A); }, A, B);
  tornCommits("big-over-big", (cs) => { cs.commit(BIG); cs.commit(B); cs.commit(BIG); }, BIG, { ...BIG, name: "bigger", cert: pem(10000) });
});

test("record: a failing store makes commit throw and keeps the old record", () => {
  const { mem, cs } = fresh();
  cs.commit(A);
  mem.failAfter(0);
  throws(() => cs.commit(B));
  deepEqual(cs.load().record, A);
});

function twoGenerations(): { mem: MemoryStore; cs: CredentialStore } {
  const f = fresh();
  f.cs.commit(A); // slot 0
  f.cs.commit(B); // slot 1, active
  equal(f.mem.get(D, "act"), 1);
  return f;
}

function setRaw(mem: MemoryStore, slot: number, text: string): void {
  mem.set(D, `s${slot}.c0`, text);
  mem.set(D, `s${slot}.len`, 1);
  mem.set(D, `s${slot}.crc`, crc32(text) | 0);
}

function expectFallback(mem: MemoryStore, reason: string): void {
  const got = loadFresh(mem);
  deepEqual(got.record, A, `fallback for ${reason}`);
  equal(got.notes.length, 1);
  const note = got.notes[0];
  assert(note.includes("slot 1") && note.includes("using slot 0") && note.includes(reason), `note: ${note}`);
  noSecrets(got.notes);
}

test("record: corrupted chunk in the active slot → the other slot, with a checksum note", () => {
  const { mem } = twoGenerations();
  const t = mem.get(D, "s1.c0") as string;
  mem.set(D, "s1.c0", t.replace("user-b", "user-c"));
  expectFallback(mem, "checksum mismatch");
});

test("record: wrong crc / missing crc in the active slot → the other slot", () => {
  const { mem } = twoGenerations();
  mem.set(D, "s1.crc", ((mem.get(D, "s1.crc") as number) ^ 1) | 0);
  expectFallback(mem, "checksum mismatch");
  mem.delete(D, "s1.crc");
  expectFallback(mem, "checksum missing");
});

test("record: bad len (missing, zero, too large, wrong type) in the active slot → the other slot", () => {
  for (const len of [undefined, 0, RECORD_MAX_CHUNKS + 1, "1", 1.5]) {
    const { mem } = twoGenerations();
    if (len === undefined) mem.delete(D, "s1.len");
    else mem.set(D, "s1.len", len);
    const got = loadFresh(mem);
    deepEqual(got.record, A, `len ${String(len)}`);
    assert(got.notes.length === 1 && got.notes[0].includes("using slot 0"));
  }
  const { mem } = twoGenerations();
  mem.set(D, "s1.len", 2); // claims a chunk that is not there
  expectFallback(mem, "chunk 1 missing");
});

test("record: non-JSON text with a valid crc → the other slot", () => {
  const { mem } = twoGenerations();
  setRaw(mem, 1, "{not json");
  expectFallback(mem, "not JSON");
});

test("record: unknown format version → ignored with a note, the other slot used", () => {
  const { mem } = twoGenerations();
  const text = JSON.stringify({ ...JSON.parse(mem.get(D, "s1.c0") as string) as object, v: 3 });
  setRaw(mem, 1, text);
  expectFallback(mem, "unknown format version 3");
});

test("record: well-formed JSON with a wrong field type → the other slot", () => {
  const bad: unknown[] = [
    { v: 1, ...B, broker: { ...B.broker, port: "8883" } },
    { v: 1, ...B, broker: { ...B.broker, kind: "lan" } },
    { v: 1, ...B, home: { home: "a/b", gateway: "G" } },
    { v: 1, ...B, groups: ["ok", 3] },
    { v: 1, ...B, password: null },
    [1, 2],
  ];
  for (const r of bad) {
    const { mem } = twoGenerations();
    setRaw(mem, 1, JSON.stringify(r));
    const got = loadFresh(mem);
    deepEqual(got.record, A);
    assert(got.notes.length === 1 && got.notes[0].includes("using slot 0"), got.notes.join("; "));
    noSecrets(got.notes);
  }
});

test("record: fallback slot needs a valid generation", () => {
  const { mem } = twoGenerations();
  mem.delete(D, "s1.len");
  mem.set(D, "s0.gen", 0);
  const got = loadFresh(mem);
  equal(got.record, null);
  equal(got.notes.length, 2);
  assert(got.notes[1].includes("slot 0 generation invalid"), got.notes.join("; "));
});

test("record: both slots bad → null with a note for each", () => {
  const { mem } = twoGenerations();
  mem.set(D, "s0.crc", ((mem.get(D, "s0.crc") as number) ^ 4) | 0);
  setRaw(mem, 1, "garbage");
  const got = loadFresh(mem);
  equal(got.record, null);
  equal(got.notes.length, 2);
  assert(got.notes.some((n) => n.startsWith("slot 0")) && got.notes.some((n) => n.startsWith("slot 1")));
});

test("record: a missing act pointer (torn flip on ESP32) → the valid slot with the higher generation", () => {
  const { mem } = twoGenerations();
  mem.delete(D, "act");
  let got = loadFresh(mem);
  deepEqual(got.record, B);
  assert(got.notes.length === 1 && got.notes[0].includes("generation 2"));
  mem.set(D, "act", 5);
  got = loadFresh(mem);
  deepEqual(got.record, B);
  assert(got.notes[0].includes("pointer invalid"));
  mem.delete(D, "act");
  mem.delete(D, "s1.len");
  deepEqual(loadFresh(mem).record, A);
});

test("record: a store whose reads throw loads null instead of throwing", () => {
  const broken = { get(): never { throw new Error("flash read"); }, set(): void {}, delete(): void {} };
  const got = new CredentialStore(broken).load();
  equal(got.record, null);
});

test("record: erase then load → null, and every key is gone", () => {
  const { mem, cs } = fresh();
  cs.commit(BIG);
  cs.commit(B);
  cs.erase();
  deepEqual(cs.load(), { record: null, notes: [] });
  deepEqual(loadFresh(mem), { record: null, notes: [] });
  deepEqual(mem.keys(D), []);
  cs.erase(); // idempotent
  cs.commit(A);
  deepEqual(loadFresh(mem).record, A);
});

test("record: erase torn at every write index → either null or the old record", () => {
  for (const eraseBeforeSet of [false, true]) {
    for (const setup of [(cs: CredentialStore) => cs.commit(A), (cs: CredentialStore) => { cs.commit(BIG); cs.commit(B); }]) {
      const probe = fresh({ eraseBeforeSet });
      setup(probe.cs);
      const old = probe.cs.load().record;
      const w0 = probe.mem.writes;
      probe.cs.erase();
      const k = probe.mem.writes - w0;
      assert(k >= 3);
      let sawNull = false, sawOld = false;
      for (let n = 0; n <= k; n++) {
        const { mem, cs } = fresh({ eraseBeforeSet });
        setup(cs);
        mem.failAfter(n);
        let threw = false;
        try {
          cs.erase();
        } catch {
          threw = true;
        }
        equal(threw, n < k);
        mem.heal();
        const got = loadFresh(mem);
        if (got.record === null) sawNull = true;
        else {
          deepEqual(got.record, old, `erase torn at ${n}`);
          sawOld = true;
        }
        if (n === 0) deepEqual(got.record, old);
        if (n === k) equal(got.record, null);
        noSecrets(got.notes);
        new CredentialStore(mem).erase();
        equal(loadFresh(mem).record, null);
      }
      assert(sawNull && sawOld);
    }
  }
});

test("record: a record larger than 4000 bytes splits into chunks and round-trips", () => {
  const { mem, cs } = fresh();
  cs.commit(BIG);
  const len = mem.get(D, "s0.len");
  assert(typeof len === "number" && len >= 3, `len ${String(len)}`);
  for (let i = 0; i < len; i++) {
    const c = mem.get(D, `s0.c${i}`);
    assert(typeof c === "string" && utf8Length(c) < NVS_MAX_STRING);
  }
  deepEqual(loadFresh(mem), { record: BIG, notes: [] });
  cs.commit(B);
  cs.commit(A); // back to slot 0, one chunk: stale chunks of BIG are dropped
  deepEqual(mem.get(D, "s0.c1"), undefined);
  deepEqual(loadFresh(mem).record, A);
});

test("record: multi-byte text splits on code point boundaries", () => {
  const text = "a€é\u{1D11E}b".repeat(5);
  for (const max of [4, 5, 7]) {
    const parts = splitUtf8(text, max);
    equal(parts.join(""), text);
    for (const p of parts) {
      assert(utf8Length(p) <= max && p.length > 0);
      const first = p.charCodeAt(0), last = p.charCodeAt(p.length - 1);
      assert(!(first >= 0xdc00 && first <= 0xdfff) && !(last >= 0xd800 && last <= 0xdbff), "split inside a surrogate pair");
    }
  }
  const { mem, cs } = fresh();
  const r: CredentialRecord = { ...A, name: "€".repeat(2500) }; // 7500 bytes: the cut lands among 3-byte chars
  cs.commit(r);
  equal(mem.get(D, "s0.len"), 3);
  deepEqual(loadFresh(mem).record, r);
});

test("record: a record needing more than the chunk limit is refused and the old one kept", () => {
  const { mem, cs } = fresh();
  cs.commit(A);
  const w = mem.writes;
  const e = throws(() => cs.commit({ ...A, cert: pem(RECORD_MAX_CHUNKS * 4000) })) as Error;
  assert(e.message.includes("chunks"));
  equal(mem.writes, w, "nothing written");
  deepEqual(cs.load().record, A);
});

test("record: an invalid record is refused before any write, message names the field not the value", () => {
  const { mem, cs } = fresh();
  const e = throws(() => cs.commit({ ...A, broker: { kind: "local", host: "h", port: 70000 } })) as Error;
  assert(e.message.includes("broker.port"));
  const e2 = throws(() => cs.commit({ ...A, password: 42 } as unknown as CredentialRecord)) as Error;
  assert(e2.message.includes("password") && !e2.message.includes("42"));
  equal(mem.writes, 0);
});

test("record: custom domain keeps records apart", () => {
  const mem = new MemoryStore();
  const a = new CredentialStore(mem, "rec-a"), b = new CredentialStore(mem);
  a.commit(A);
  b.commit(B);
  deepEqual(a.load().record, A);
  deepEqual(b.load().record, B);
  a.erase();
  equal(a.load().record, null);
  deepEqual(b.load().record, B);
  throws(() => new CredentialStore(mem, "a-domain-too-long").commit(A));
});

test("record: every key and domain CredentialStore uses is at most 15 characters", () => {
  const mem = new MemoryStore();
  const cs = new CredentialStore(mem);
  cs.commit(BIG);
  cs.commit({ ...BIG, cert: pem((RECORD_MAX_CHUNKS - 1) * 3900) });
  cs.commit(A);
  const keys = mem.keys(D);
  assert(keys.length >= 10 && keys.includes("act") && keys.includes("s1.c3"), keys.join(","));
  for (const k of keys) assert(k.length <= NVS_MAX_NAME && checkName(k) === undefined, `key ${k}`);
  for (const d of mem.domains()) assert(d.length <= NVS_MAX_NAME);
});

// NVS limits

const SECRET = "TOPSECRET";

function nvsError(fn: () => void): string {
  const e = throws(fn);
  assert(e instanceof Error);
  assert(!e.message.includes(SECRET), `message leaks the value: ${e.message}`);
  return e.message;
}

test("nvs: 16-character key or domain is rejected with a clear error, 15 is fine", () => {
  const s = nvsChecked(new MemoryStore());
  s.set(D, "k".repeat(15), 1);
  equal(s.get(D, "k".repeat(15)), 1);
  assert(nvsError(() => s.set(D, "k".repeat(16), 1)).includes("at most 15"));
  assert(nvsError(() => s.get(D, "k".repeat(16))).includes("at most 15"));
  assert(nvsError(() => s.delete(D, "k".repeat(16))).includes("at most 15"));
  assert(nvsError(() => s.set("d".repeat(16), "k", 1)).includes("domain"));
  assert(nvsError(() => s.set(D, "", 1)).includes("empty"));
  assert(nvsError(() => s.set(D, "k\u00e9", 1)).includes("printable ASCII"));
  assert(nvsError(() => s.set(D, "k\n", 1)).includes("printable ASCII"));
});

test("nvs: strings over the limit are rejected without quoting them (UTF-8 bytes, NUL counted)", () => {
  const mem = new MemoryStore();
  const s = nvsChecked(mem);
  s.set(D, "ok", "x".repeat(NVS_MAX_STRING - 1));
  const m = nvsError(() => s.set(D, "big", SECRET + "x".repeat(4001 - SECRET.length)));
  assert(m.includes("4001") && m.includes("bytes"), m);
  nvsError(() => s.set(D, "big", SECRET + "x".repeat(4000 - SECRET.length))); // + NUL = 4001 in NVS
  nvsError(() => s.set(D, "big", SECRET + "€".repeat(1334))); // 1334 chars, 4011 bytes
  equal(mem.get(D, "big"), undefined, "nothing reached the store");
  equal(checkValue("€".repeat(1333)), undefined); // 3999 bytes
});

test("nvs: floats, NaN, null, undefined, objects and out-of-range integers are rejected", () => {
  const s = nvsChecked(new MemoryStore());
  assert(nvsError(() => s.set(D, "f", 1.5)).includes("float"));
  assert(nvsError(() => s.set(D, "n", NaN)).includes("NaN"));
  assert(nvsError(() => s.set(D, "z", null as unknown as string)).includes("null"));
  assert(nvsError(() => s.set(D, "u", undefined as unknown as string)).includes("undefined"));
  assert(nvsError(() => s.set(D, "o", { secret: SECRET } as unknown as string)).includes("object"));
  assert(nvsError(() => s.set(D, "i", 2 ** 31)).includes("int32"));
  assert(nvsError(() => s.set(D, "i", Infinity)).includes("integer"));
  s.set(D, "min", -(2 ** 31));
  s.set(D, "max", 2 ** 31 - 1);
  s.set(D, "t", true);
  s.set(D, "e", "");
  equal(s.get(D, "min"), -(2 ** 31));
  equal(s.get(D, "t"), true);
});

test("nvs: MemoryStore.failAfter counts set and delete calls; eraseBeforeSet tears a set into a missing key", () => {
  const m = new MemoryStore();
  m.set(D, "a", 1);
  m.failAfter(2);
  m.set(D, "b", 2);
  m.delete(D, "a");
  throws(() => m.set(D, "c", 3));
  throws(() => m.delete(D, "b"));
  equal(m.get(D, "b"), 2);
  equal(m.get(D, "c"), undefined);
  m.heal();
  m.set(D, "c", 3);
  equal(m.writes, 4);
  const e = new MemoryStore({ eraseBeforeSet: true });
  e.set(D, "k", 1);
  e.failAfter(0);
  throws(() => e.set(D, "k", 2));
  equal(e.get(D, "k"), undefined);
});

test("commit reads the slot back: flash that silently stores a wrong value never yields a wrong record", () => {
  for (const next of [B, BIG]) {
    const clean = fresh();
    clean.cs.commit(A);
    const before = clean.mem.writes;
    clean.cs.commit(next);
    const writes = clean.mem.writes - before;
    let refused = 0;
    for (let k = 0; k <= writes; k++) {
      const { mem, cs } = fresh();
      cs.commit(A);
      mem.corruptOnceAfter(k);
      let threw = false;
      try {
        cs.commit(next);
      } catch (e) {
        threw = true;
        assert(String(e).includes("read-back"), `write ${k}: ${String(e)}`);
      }
      const got = loadFresh(mem).record;
      if (threw) {
        refused++;
        deepEqual(got, A, `write ${k}: a refused commit leaves the old record`);
      } else deepEqual(got, next, `write ${k}: a commit that returned is the new record`);
    }
    // Every chunk, the checksum and the length are checked before the slot is made active.
    const chunks = next === BIG ? 3 : 1;
    assert(refused >= chunks + 2, `${refused} of ${writes} corrupted writes refused`);
  }
});
