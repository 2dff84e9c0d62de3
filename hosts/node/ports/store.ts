// A file-backed KeyValueStore shaped like ESP32 NVS: one JSON file per domain, each write
// atomic (temporary file + rename), NVS limits enforced as on the device. A batch (a record
// commit) is one write and one rename.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nvsChecked } from "../../../src/core/nvs";
import type { KeyValueStore, StoredValue } from "../../../src/core/ports";

class FileStore implements KeyValueStore {
  private readonly cache = new Map<string, Record<string, StoredValue>>();
  /** Inside batch(): domains changed and not yet written. */
  private dirty: Set<string> | undefined;

  constructor(private readonly dir: string, private readonly delayMs = 0) {
    mkdirSync(dir, { recursive: true });
  }

  private file(domain: string): string {
    return join(this.dir, `${domain}.json`);
  }

  private load(domain: string): Record<string, StoredValue> {
    let d = this.cache.get(domain);
    if (d) return d;
    try {
      const parsed = JSON.parse(readFileSync(this.file(domain), "utf8")) as unknown;
      d = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, StoredValue>) : {};
    } catch {
      d = {};
    }
    this.cache.set(domain, d);
    return d;
  }

  private save(domain: string, d: Record<string, StoredValue>): void {
    if (this.dirty) { this.dirty.add(domain); return; }
    const f = this.file(domain);
    // A slow flash, for power-cut tests: the write blocks as a real flash write does.
    if (this.delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.delayMs);
    writeFileSync(`${f}.tmp`, JSON.stringify(d, null, 1), { mode: 0o600 });
    renameSync(`${f}.tmp`, f);
  }

  get(domain: string, key: string): StoredValue | undefined {
    const d = this.load(domain);
    return Object.prototype.hasOwnProperty.call(d, key) ? d[key] : undefined;
  }

  set(domain: string, key: string, value: StoredValue): void {
    const d = { ...this.load(domain), [key]: value };
    this.save(domain, d);
    this.cache.set(domain, d);
  }

  batch(writes: () => void): void {
    if (this.dirty) { writes(); return; }
    const dirty = (this.dirty = new Set());
    const before = new Map(this.cache);
    try {
      writes();
      this.dirty = undefined;
      for (const domain of dirty) this.save(domain, this.load(domain));
    } catch (e) {
      // Nothing reached the file (or the one write failed): the cache goes back to what is on disk.
      this.dirty = undefined;
      this.cache.clear();
      for (const [k, v] of before) this.cache.set(k, v);
      throw e;
    }
  }

  delete(domain: string, key: string): void {
    const d = { ...this.load(domain) };
    if (!(key in d)) return;
    delete d[key];
    this.save(domain, d);
    this.cache.set(domain, d);
  }
}

/** `delayMs`: every write blocks that long first (fault injection: a slow flash). */
export function fileStore(dir: string, delayMs = 0): KeyValueStore {
  return nvsChecked(new FileStore(dir, delayMs));
}
