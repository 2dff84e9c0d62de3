// A file-backed KeyValueStore shaped like ESP32 NVS: one JSON file per domain, each write
// atomic (temporary file + rename), NVS limits enforced as on the device.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nvsChecked } from "../../../src/core/nvs";
import type { KeyValueStore, StoredValue } from "../../../src/core/ports";

class FileStore implements KeyValueStore {
  private readonly cache = new Map<string, Record<string, StoredValue>>();

  constructor(private readonly dir: string) {
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
    const f = this.file(domain);
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

  delete(domain: string, key: string): void {
    const d = { ...this.load(domain) };
    if (!(key in d)) return;
    delete d[key];
    this.save(domain, d);
    this.cache.set(domain, d);
  }
}

export function fileStore(dir: string): KeyValueStore {
  return nvsChecked(new FileStore(dir));
}
