// KeyValueStore over Moddable's `preference` (ESP32: NVS). The NVS limits (names ≤ 15,
// strings < 4000 bytes, int32, no floats or null) are enforced by the core's `nvsChecked`
// wrapper around this store, so a record that fits the simulator fits the device.
import Modules from "modules";
import type Preference from "preference";
import type { KeyValueStore, StoredValue } from "../core/ports";

type Preferences = typeof Preference;

// Imported on first use, not at module load: this module is preloaded (run at build time), and
// the simulator's pure-JS `preference` reads its file when its module runs, which at build time
// would leave it empty for good. On ESP32 `preference` is preloaded anyway and this finds it.
let preferences: Preferences | undefined;
const prefs = (): Preferences => (preferences ??= Modules.importNow("preference") as Preferences);

export const preferenceStore: KeyValueStore = Object.freeze({
  get(domain: string, key: string): StoredValue | undefined {
    const v = prefs().get(domain, key);
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    return undefined;
  },
  set(domain: string, key: string, value: StoredValue): void {
    prefs().set(domain, key, value);
  },
  delete(domain: string, key: string): void {
    prefs().delete(domain, key);
  },
});
