// KeyValueStore over Moddable's `preference` (ESP32: NVS). The NVS limits (names ≤ 15,
// strings < 4000 bytes, int32, no floats or null) are enforced by the core's `nvsChecked`
// wrapper around this store, so a record that fits the simulator fits the device.
import Preference from "preference";
import type { KeyValueStore, StoredValue } from "../core/ports";

export const preferenceStore: KeyValueStore = {
  get(domain: string, key: string): StoredValue | undefined {
    const v = Preference.get(domain, key);
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    return undefined;
  },
  set(domain: string, key: string, value: StoredValue): void {
    Preference.set(domain, key, value);
  },
  delete(domain: string, key: string): void {
    Preference.delete(domain, key);
  },
};
