// Typed reads of the build configuration (`mc/config`): the manifest's `config` defaults,
// overridden on the command line as `mcconfig ... key=value` (values from there are strings).
import config from "mc/config";

const values = config as unknown as Record<string, unknown>;

export function configString(key: string, fallback: string): string {
  const v = values[key];
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : fallback;
}

/** A non-negative integer setting; anything else (missing, not a number) is `fallback`. */
export function configInt(key: string, fallback: number): number {
  const v = values[key];
  const n = typeof v === "number" ? v : typeof v === "string" && /^[0-9]+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : fallback;
}

/** The folder the `file`/`preference` modules use (`config.file.root`). */
export function fileRoot(): string {
  return typeof config.file?.root === "string" ? config.file.root : "";
}
