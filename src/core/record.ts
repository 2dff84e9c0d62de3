// The credential record (PROTOCOL §7 "Persist before use", §10 "Atomic persistence").
//
// Layout in one NVS domain, two slots s0/s1, each:
//   sN.c0 .. sN.c3  JSON text of {"v":1,...} in chunks of at most NVS_MAX_STRING_BYTES
//   sN.crc          CRC-32 of the whole text, as an int32
//   sN.gen          generation (int >= 1), one more than the record it replaced
//   sN.len          chunk count, written last: a slot without it is incomplete
// and `act` (0 | 1), the slot in use. A commit fills the inactive slot, checks it, then
// rewrites `act`: a crash before that leaves the old record, after it the new one.
// Moddable's ESP32 `preference.set` erases a key before writing it, so a crash during the
// flip can leave no `act` at all: load() then takes the valid slot with the higher generation
// (either record is a correct answer). That is why erase() invalidates both slots (deleting
// their `len`) rather than relying on a missing `act`.
import { crc32 } from "./crc32";
import { isId } from "./ids";
import { NVS_MAX_STRING_BYTES, nvsChecked, utf8Width } from "./nvs";
import type { KeyValueStore } from "./ports";

export interface CredentialRecord {
  /** `host` is what to connect to; `name`, if set, the TLS server name (a local broker's SRV target). */
  broker: { kind: "local" | "cloud"; host: string; port: number; name?: string };
  user: string;
  password: string;
  /** PEM certificate issued at activation. */
  cert: string;
  /** Home network (from WPS or the guest flow). */
  wifi?: { ssid: string; password: string };
  /** Set once the home prefix is known. */
  home?: { home: string; gateway: string };
  name?: string;
  groups?: string[];
}

/** 2 added broker.name; a version-1 record loads as it is (no name: the address is verified) and is written as 2 on its next commit. */
export const RECORD_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = Object.freeze([1, 2]);
/** DNS names are at most 253 characters. */
const MAX_SERVER_NAME = 253;
export const RECORD_MAX_CHUNKS = 4;
export const DEFAULT_RECORD_DOMAIN = "mqtt2go";

const ACT = "act";
const MAX_GEN = 0x7fffffff;

type Slot = 0 | 1;
type SlotRead = { ok: true; record: CredentialRecord; gen: number } | { ok: false; problem: string; empty: boolean };
type Pick = { slot: Slot; record: CredentialRecord; gen: number; notes: string[] } | { slot: null; notes: string[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The first field that breaks the record's shape, or undefined. Names fields, never values. */
export function recordProblem(r: unknown): string | undefined {
  if (!isObject(r)) return "record is not an object";
  const b = r.broker;
  if (!isObject(b)) return "broker is not an object";
  if (b.kind !== "local" && b.kind !== "cloud") return "broker.kind is not local or cloud";
  if (typeof b.host !== "string" || b.host.length === 0) return "broker.host is not a non-empty string";
  const port = b.port as number; // Number.isInteger refuses every non-number
  if (!Number.isInteger(port) || port < 1 || port > 65535) return "broker.port is not a port number";
  if (b.name !== undefined && (typeof b.name !== "string" || b.name.length === 0 || b.name.length > MAX_SERVER_NAME)) return "broker.name is not a host name";
  if (typeof r.user !== "string") return "user is not a string";
  if (typeof r.password !== "string") return "password is not a string";
  if (typeof r.cert !== "string" || r.cert.length === 0) return "cert is not a non-empty string";
  if (r.wifi !== undefined) {
    const w = r.wifi;
    if (!isObject(w)) return "wifi is not an object";
    if (typeof w.ssid !== "string" || w.ssid.length === 0) return "wifi.ssid is not a non-empty string";
    if (typeof w.password !== "string") return "wifi.password is not a string";
  }
  if (r.home !== undefined) {
    const h = r.home;
    if (!isObject(h)) return "home is not an object";
    if (!isId(h.home)) return "home.home is not an id";
    if (!isId(h.gateway)) return "home.gateway is not an id";
  }
  if (r.name !== undefined && typeof r.name !== "string") return "name is not a string";
  if (r.groups !== undefined && (!Array.isArray(r.groups) || !r.groups.every((g) => typeof g === "string")))
    return "groups is not an array of strings";
  return undefined;
}

/** A copy holding only the record's own fields, in a fixed order; `r` must be valid. */
function normalize(r: CredentialRecord): CredentialRecord {
  const out: CredentialRecord = {
    broker: r.broker.name !== undefined
      ? { kind: r.broker.kind, host: r.broker.host, port: r.broker.port, name: r.broker.name }
      : { kind: r.broker.kind, host: r.broker.host, port: r.broker.port },
    user: r.user,
    password: r.password,
    cert: r.cert,
  };
  if (r.wifi !== undefined) out.wifi = { ssid: r.wifi.ssid, password: r.wifi.password };
  if (r.home !== undefined) out.home = { home: r.home.home, gateway: r.home.gateway };
  if (r.name !== undefined) out.name = r.name;
  if (r.groups !== undefined) out.groups = r.groups; // the copy is serialised (commit) or private (load)
  return out;
}

/** Splits `text` into pieces of at most `max` UTF-8 bytes, never inside a code point. */
export function splitUtf8(text: string, max: number): string[] {
  const out: string[] = [];
  let start = 0, i = 0, bytes = 0;
  for (const ch of text) {
    const width = utf8Width(ch.codePointAt(0) ?? 0);
    if (bytes + width > max && i > start) {
      out.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += width;
    i += ch.length;
  }
  out.push(text.slice(start));
  return out;
}

const slotKey = (s: Slot, name: string): string => `s${s}.${name}`;
const chunkKeys = (s: Slot): string[] => Array.from({ length: RECORD_MAX_CHUNKS }, (_, i) => slotKey(s, `c${i}`));

export class CredentialStore {
  readonly #store: KeyValueStore;
  readonly #domain: string;

  constructor(store: KeyValueStore, domain: string = DEFAULT_RECORD_DOMAIN) {
    this.#store = nvsChecked(store);
    this.#domain = domain;
  }

  #get(key: string): unknown {
    return this.#store.get(this.#domain, key);
  }

  #readSlot(s: Slot): SlotRead {
    try {
      return this.#readSlotUnguarded(s);
    } catch {
      return { ok: false, problem: "unreadable", empty: false };
    }
  }

  #readSlotUnguarded(s: Slot): SlotRead {
    const bad = (problem: string): SlotRead => ({ ok: false, problem, empty: false });
    // Number.isInteger refuses every non-number, so each value below is an integer once checked
    const len = this.#get(slotKey(s, "len")) as number;
    if (len === undefined) return { ok: false, problem: "incomplete (no length)", empty: true };
    if (!Number.isInteger(len) || len < 1 || len > RECORD_MAX_CHUNKS) return bad("length invalid");
    const crc = this.#get(slotKey(s, "crc")) as number;
    if (!Number.isInteger(crc)) return bad("checksum missing");
    const gen = this.#get(slotKey(s, "gen")) as number;
    if (!Number.isInteger(gen) || gen < 1) return bad("generation invalid");
    let text = "";
    for (let i = 0; i < len; i++) {
      const chunk = this.#get(slotKey(s, `c${i}`));
      if (typeof chunk !== "string") return bad(`chunk ${i} missing`);
      text += chunk;
    }
    if (crc32(text) !== crc >>> 0) return bad("checksum mismatch");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return bad("not JSON");
    }
    if (!isObject(parsed)) return bad("not a record");
    if (!READABLE_VERSIONS.includes(parsed.v as number))
      return bad(`unknown format version ${Number.isInteger(parsed.v) ? String(parsed.v) : "(not an integer)"}`);
    const problem = recordProblem(parsed);
    if (problem !== undefined) return bad(`invalid: ${problem}`);
    return { ok: true, record: normalize(parsed as unknown as CredentialRecord), gen };
  }

  /** The slot load() would use, its record and generation, and notes on what was skipped. */
  #pick(): Pick {
    let act: unknown = null; // stays null, an invalid pointer, when it cannot be read
    try {
      act = this.#get(ACT);
    } catch {
      // noted below as invalid
    }
    if (act === 0 || act === 1) {
      const a: Slot = act, o: Slot = act === 0 ? 1 : 0;
      const ra = this.#readSlot(a);
      if (ra.ok) return { slot: a, record: ra.record, gen: ra.gen, notes: [] };
      const ro = this.#readSlot(o);
      if (ro.ok) return { slot: o, record: ro.record, gen: ro.gen, notes: [`slot ${a} ${ra.problem}, using slot ${o}`] };
      return { slot: null, notes: [`slot ${a} ${ra.problem}`, `slot ${o} ${ro.problem}`] };
    }
    const notes: string[] = [];
    if (act !== undefined) notes.push("active-slot pointer invalid");
    const r0 = this.#readSlot(0), r1 = this.#readSlot(1);
    const best = r0.ok && (!r1.ok || r0.gen >= r1.gen) ? { s: 0 as const, r: r0 } : r1.ok ? { s: 1 as const, r: r1 } : null;
    if (best) {
      notes.push(`no active-slot pointer, using slot ${best.s} (generation ${best.r.gen})`);
      return { slot: best.s, record: best.r.record, gen: best.r.gen, notes };
    }
    if (!r0.ok && !r0.empty) notes.push(`slot 0 ${r0.problem}`);
    if (!r1.ok && !r1.empty) notes.push(`slot 1 ${r1.problem}`);
    return { slot: null, notes };
  }

  /** The committed record, or null; notes say what was skipped and why (never a secret). Never throws. */
  load(): { record: CredentialRecord | null; notes: string[] } {
    const p = this.#pick();
    return { record: p.slot === null ? null : p.record, notes: p.notes };
  }

  /** Stores `record` atomically. Throws if it is invalid or the store fails; the old record then stays loadable. */
  commit(record: CredentialRecord): void {
    const problem = recordProblem(record);
    if (problem !== undefined) throw new Error(`credential record not stored: ${problem}`);
    const text = JSON.stringify({ v: RECORD_VERSION, ...normalize(record) });
    const chunks = splitUtf8(text, NVS_MAX_STRING_BYTES);
    if (chunks.length > RECORD_MAX_CHUNKS)
      throw new Error(`credential record not stored: ${chunks.length} chunks needed, at most ${RECORD_MAX_CHUNKS}`);
    const cur = this.#pick();
    const target: Slot = cur.slot === 0 ? 1 : 0;
    const gen = cur.slot === null || cur.gen >= MAX_GEN ? 1 : cur.gen + 1;
    const d = this.#domain, st = this.#store;
    const dropIfPresent = (key: string): void => {
      if (st.get(d, key) !== undefined) st.delete(d, key);
    };
    inBatch(st, () => {
      dropIfPresent(slotKey(target, "len"));
      for (let i = 0; i < chunks.length; i++) st.set(d, slotKey(target, `c${i}`), chunks[i]);
      for (const key of chunkKeys(target).slice(chunks.length)) dropIfPresent(key);
      st.set(d, slotKey(target, "crc"), crc32(text) | 0);
      st.set(d, slotKey(target, "gen"), gen);
      st.set(d, slotKey(target, "len"), chunks.length);
      const check = this.#readSlot(target);
      if (!check.ok) throw new Error(`credential record not stored: read-back of slot ${target} ${check.problem}`);
      st.set(d, ACT, target);
      if (st.get(d, ACT) !== target) throw new Error(`credential record not stored: read-back of the active-slot pointer is not ${target}`);
    });
  }

  /** Removes the record: load() returns null afterwards. A crash midway leaves the old record or none. */
  erase(): void {
    const cur = this.#pick();
    const keep: Slot = cur.slot ?? 0, other: Slot = keep === 0 ? 1 : 0;
    const d = this.#domain, st = this.#store;
    const keys = [slotKey(other, "len"), slotKey(keep, "len"), ACT];
    for (const s of [0, 1] as const) {
      keys.push(...chunkKeys(s), slotKey(s, "crc"), slotKey(s, "gen"));
    }
    inBatch(st, () => {
      for (const key of keys) if (st.get(d, key) !== undefined) st.delete(d, key);
    });
  }
}

/** One write to the medium where the store can batch (the slot order still holds key by key elsewhere). */
function inBatch(st: KeyValueStore, writes: () => void): void {
  if (st.batch) st.batch(writes);
  else writes();
}
