// ESP32 NVS limits as code (PROTOCOL §10): they apply on every platform, so a record that
// fits the simulator also fits the device.
import type { KeyValueStore, StoredValue } from "./ports";

/** Longest namespace (domain) or key name: NVS_KEY_NAME_MAX_SIZE is 16 including the NUL. */
export const NVS_MAX_NAME = 15;
/**
 * NVS string limit in bytes. ESP-IDF counts the terminating NUL in it (nvs.h: "the maximum length
 * (including null character) is 4000 bytes"), so a string may hold at most NVS_MAX_STRING - 1
 * UTF-8 bytes.
 */
export const NVS_MAX_STRING = 4000;
export const NVS_MAX_STRING_BYTES = NVS_MAX_STRING - 1;

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** UTF-8 bytes of one code point; a lone surrogate counts as U+FFFD (3 bytes), as an encoder writes it. */
export function utf8Width(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * UTF-8 length of a JS string. Iterates with for-of: XS keeps strings as UTF-8, so indexed
 * access (charCodeAt(i)) costs O(i) there and a charCodeAt loop is quadratic.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) n += utf8Width(ch.codePointAt(0) ?? 0);
  return n;
}

/** Why `name` is not a valid NVS namespace or key name, or undefined when it is. */
export function checkName(name: unknown): string | undefined {
  if (typeof name !== "string") return "name must be a string";
  if (name.length === 0) return "name must not be empty";
  if (name.length > NVS_MAX_NAME) return `name "${name}" is ${name.length} characters, NVS allows at most ${NVS_MAX_NAME}`;
  const i = [...name].findIndex((ch) => ch < " " || ch > "~");
  return i < 0 ? undefined : `name must be printable ASCII (character ${i} is not)`;
}

/** DESIGN.md's name for `checkName`. */
export const checkKey = checkName;

/** Why `value` cannot be stored in NVS, or undefined when it can. Never quotes the value. */
export function checkValue(value: unknown): string | undefined {
  switch (typeof value) {
    case "boolean":
      return undefined;
    case "string": {
      const bytes = utf8Length(value);
      return bytes > NVS_MAX_STRING_BYTES
        ? `string is ${bytes} UTF-8 bytes, NVS allows at most ${NVS_MAX_STRING_BYTES} (${NVS_MAX_STRING} with the terminator)`
        : undefined;
    }
    case "number":
      if (Number.isNaN(value)) return "number is NaN, NVS stores only int32 integers";
      if (!Number.isInteger(value)) return "number is not an integer, NVS stores no floats";
      if (value < INT32_MIN || value > INT32_MAX) return "integer is outside the int32 range NVS stores";
      return undefined;
    default:
      return `${value === null ? "null" : typeof value} cannot be stored, NVS takes strings, int32 integers and booleans`;
  }
}

function fail(op: string, domain: string, key: string, problem: string): never {
  throw new Error(`NVS ${op} ${JSON.stringify(domain)}/${JSON.stringify(key)} rejected: ${problem}`);
}

function checkNames(op: string, domain: string, key: string): void {
  const d = checkName(domain);
  if (d !== undefined) fail(op, String(domain), String(key), `domain ${d}`);
  const k = checkName(key);
  if (k !== undefined) fail(op, domain, String(key), `key ${k}`);
}

/** A store that enforces the NVS limits before delegating to `store`. */
export function nvsChecked(store: KeyValueStore): KeyValueStore {
  return {
    get(domain, key) {
      checkNames("get", domain, key);
      return store.get(domain, key);
    },
    set(domain, key, value) {
      checkNames("set", domain, key);
      const v = checkValue(value);
      if (v !== undefined) fail("set", domain, key, v);
      store.set(domain, key, value);
    },
    delete(domain, key) {
      checkNames("delete", domain, key);
      store.delete(domain, key);
    },
    ...(store.batch ? { batch: (writes: () => void) => store.batch!(writes) } : {}),
  };
}

export interface MemoryStoreOptions {
  /**
   * Model Moddable's ESP32 `preference.set`, which erases the key before writing it: a set that
   * fails (power loss) leaves the key missing instead of unchanged.
   */
  eraseBeforeSet?: boolean;
}

/** What a silently failing write leaves: the last character, the lowest bit or the flag flipped. */
function corrupted(value: StoredValue): StoredValue {
  if (typeof value === "string") return value.slice(0, -1) + (value.endsWith("x") ? "y" : "x");
  if (typeof value === "number") return value ^ 1;
  return !value;
}

/** A Map-based KeyValueStore for tests and hosts without flash. */
export class MemoryStore implements KeyValueStore {
  readonly #data = new Map<string, StoredValue>();
  readonly #eraseBeforeSet: boolean;
  #writesLeft = Infinity;
  #failOnceIn = -1;
  #corruptIn = -1;
  #writes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#eraseBeforeSet = options.eraseBeforeSet === true;
  }

  static #id(domain: string, key: string): string {
    return `${domain}\u0000${key}`;
  }

  get(domain: string, key: string): StoredValue | undefined {
    return this.#data.get(MemoryStore.#id(domain, key));
  }

  set(domain: string, key: string, value: StoredValue): void {
    const id = MemoryStore.#id(domain, key);
    if (this.#failOnceIn-- === 0) {
      if (this.#eraseBeforeSet) this.#data.delete(id);
      throw new Error("MemoryStore: simulated write failure");
    }
    if (this.#writesLeft <= 0) {
      if (this.#eraseBeforeSet) this.#data.delete(id);
      throw new Error("MemoryStore: simulated power loss");
    }
    this.#writesLeft--;
    this.#writes++;
    this.#data.set(id, this.#corruptIn-- === 0 ? corrupted(value) : value);
  }

  delete(domain: string, key: string): void {
    if (this.#failOnceIn-- === 0) throw new Error("MemoryStore: simulated write failure");
    if (this.#writesLeft <= 0) throw new Error("MemoryStore: simulated power loss");
    this.#writesLeft--;
    this.#writes++;
    this.#data.delete(MemoryStore.#id(domain, key));
  }

  /** After `n` more successful set/delete calls, every write throws (a torn write). */
  failAfter(n: number): void {
    this.#writesLeft = n;
  }

  /** After `n` more successful set/delete calls, exactly one write throws; later ones succeed. */
  failOnceAfter(n: number): void {
    this.#failOnceIn = n;
  }

  /** The set after `n` more set calls stores a changed value and reports success (flash that lies). */
  corruptOnceAfter(n: number): void {
    this.#corruptIn = n;
  }

  /** Writes succeed again (the power is back). */
  heal(): void {
    this.#writesLeft = Infinity;
  }

  /** Successful set/delete calls so far. */
  get writes(): number {
    return this.#writes;
  }

  /** Key names stored under `domain`, in insertion order. */
  keys(domain: string): string[] {
    const out: string[] = [];
    const prefix = `${domain}\u0000`;
    for (const id of this.#data.keys()) if (id.startsWith(prefix)) out.push(id.slice(prefix.length));
    return out;
  }

  /** Every stored domain. */
  domains(): string[] {
    const out = new Set<string>();
    for (const id of this.#data.keys()) out.add(id.slice(0, id.indexOf("\u0000")));
    return [...out];
  }
}
