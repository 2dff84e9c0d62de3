// The entity model (PROTOCOL §8): what a device offers, how command values are validated,
// and how a command reaches the hardware driver. State lives in the drivers, never here,
// so what the model reports is always what the hardware says.
import { isId } from "./ids";
import type { Command, CommandType, EntityDescriptor, EntityValue, ErrorReason, Rgb, ValueType } from "./entity-types";
import { COMMAND_TYPES, VALUE_TYPES } from "./entity-types";

export interface EntityDriver {
  read(): EntityValue;
  /** Applies `value` and returns the state ACTUALLY applied (may differ, e.g. clamped). Throws on a hardware fault. */
  write?(value: EntityValue): EntityValue;
}

export interface EntitySpec {
  descriptor: EntityDescriptor;
  /** Command types this entity answers; any other type is `unsupported_command`. */
  commands: CommandType[];
  /**
   * Validates and normalises the value of a non-query command; `undefined` means `invalid_value`.
   * Default: `normaliseValue(descriptor.type, value, spec)` (type, `range`, `options`).
   */
  accepts?(type: CommandType, value: unknown): EntityValue | undefined;
  driver: EntityDriver;
  /** Set for entities that publish periodic reports (measured quantities). */
  reportEveryMs?: number;
  /** Inclusive bounds for `f` / `i` command values. */
  range?: { min: number; max: number };
  /** The allowed values of an `s` entity (an enumeration). */
  options?: readonly string[];
}

export type ExecuteResult = { ok: true; applied: EntityValue } | { ok: false; reason: ErrorReason };
export type ReadResult = { ok: true; value: EntityValue } | { ok: false; reason: ErrorReason };
export interface EntityState { name: string; value: EntityValue; unit: string }

/** Device-level topics (`<H>/<G>/<DID>/<name>/…`) that an entity may not shadow. */
export const RESERVED_ENTITY_NAMES: readonly string[] = Object.freeze(["status", "about", "remove"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isChannel(o: Record<string, unknown>, key: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(o, key)) return false;
  const c = o[key];
  return Number.isInteger(c) && (c as number) >= 0 && (c as number) <= 255;
}

function toRgb(v: unknown): Rgb | undefined {
  if (!isObject(v) || !isChannel(v, "r") || !isChannel(v, "g") || !isChannel(v, "b")) return undefined;
  // A fresh object: extra keys are dropped and the caller's object is never aliased.
  return { r: v.r as number, g: v.g as number, b: v.b as number };
}

/**
 * Checks a value against a type code and returns it normalised, or `undefined` when invalid.
 * Strict: no coercion of strings to numbers or booleans; numbers must be finite, `i` integral;
 * `range` and `options` apply when given.
 */
export function normaliseValue(
  type: ValueType,
  value: unknown,
  limits: { range?: { min: number; max: number }; options?: readonly string[] } = {},
): EntityValue | undefined {
  switch (type) {
    case "f":
    case "i": {
      if (!Number.isFinite(value)) return undefined; // false for anything but a finite number
      const n = value as number;
      if (type === "i" && !Number.isInteger(n)) return undefined;
      const r = limits.range;
      if (r && (n < r.min || n > r.max)) return undefined;
      return n === 0 ? 0 : n; // -0 → 0
    }
    case "s":
      if (typeof value !== "string") return undefined;
      if (limits.options && !limits.options.includes(value)) return undefined;
      return value;
    case "b":
      return typeof value === "boolean" ? value : undefined;
    case "rgb":
      return toRgb(value);
  }
}

/** Type check (no range) for what a driver hands back; a bad value is a hardware fault. */
function driverValue(type: ValueType, value: unknown): EntityValue | undefined {
  return normaliseValue(type, value);
}

/** The driver's current value; a throw or a value of the wrong type is a hardware fault. */
function readDriver(spec: EntitySpec): ReadResult {
  let raw: unknown;
  try {
    raw = spec.driver.read();
  } catch {
    // raw stays undefined, never a valid value: a hardware fault below
  }
  const value = driverValue(spec.descriptor.type, raw);
  return value === undefined ? { ok: false, reason: "hardware_fault" } : { ok: true, value };
}

function checkSpec(spec: EntitySpec, seen: Set<string>): void {
  const d = spec.descriptor;
  const where = `entity ${JSON.stringify(d?.name)}`;
  if (!isObject(d) || !isId(d.name)) throw new Error(`${where}: invalid name`);
  if (RESERVED_ENTITY_NAMES.includes(d.name)) throw new Error(`${where}: reserved name`);
  if (seen.has(d.name)) throw new Error(`${where}: duplicate name`);
  if (typeof d.unit !== "string") throw new Error(`${where}: unit must be a string`);
  if (!VALUE_TYPES.includes(d.type)) throw new Error(`${where}: unknown type ${String(d.type)}`);
  if (!Array.isArray(spec.commands) || spec.commands.length === 0) throw new Error(`${where}: no commands`);
  for (let i = 0; i < spec.commands.length; i++) {
    const c = spec.commands[i];
    if (!COMMAND_TYPES.includes(c)) throw new Error(`${where}: unknown command type ${String(c)}`);
    if (spec.commands.indexOf(c) !== i) throw new Error(`${where}: duplicate command type ${c}`);
    if (c !== "query" && typeof spec.driver?.write !== "function") throw new Error(`${where}: "${c}" needs a writable driver`);
  }
  if (typeof spec.driver?.read !== "function") throw new Error(`${where}: driver has no read()`);
  if (spec.range !== undefined) {
    const { min, max } = spec.range;
    if ((d.type !== "f" && d.type !== "i") || !Number.isFinite(min) || !Number.isFinite(max) || min > max)
      throw new Error(`${where}: invalid range`);
  }
  if (spec.options !== undefined && (d.type !== "s" || spec.options.length === 0 || spec.options.some((o) => typeof o !== "string")))
    throw new Error(`${where}: invalid options`);
  if (spec.reportEveryMs !== undefined && !(Number.isFinite(spec.reportEveryMs) && spec.reportEveryMs > 0))
    throw new Error(`${where}: invalid reportEveryMs`);
}

export class EntityModel {
  private readonly specs = new Map<string, EntitySpec>();

  /** Throws on an invalid spec (bad or reserved name, duplicate, unknown type, set without write…): a firmware bug. */
  constructor(specs: readonly EntitySpec[]) {
    const seen = new Set<string>();
    for (const spec of specs) {
      checkSpec(spec, seen);
      seen.add(spec.descriptor.name);
      this.specs.set(spec.descriptor.name, spec);
    }
  }

  /** For the `home_prefix` request and `about` (fresh objects, in profile order). */
  descriptors(): EntityDescriptor[] {
    const out: EntityDescriptor[] = [];
    for (const s of this.specs.values()) out.push({ name: s.descriptor.name, unit: s.descriptor.unit, type: s.descriptor.type });
    return out;
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  names(): string[] {
    return Array.from(this.specs.keys());
  }

  unit(name: string): string | undefined {
    return this.specs.get(name)?.descriptor.unit;
  }

  /** The current value from the driver. Unknown entity → `unsupported_command`; a driver that throws or returns a value of the wrong type → `hardware_fault`. */
  read(name: string): ReadResult {
    const spec = this.specs.get(name);
    return spec ? readDriver(spec) : { ok: false, reason: "unsupported_command" };
  }

  /**
   * Runs one command. Unknown entity and command types the entity does not list are
   * `unsupported_command`; a rejected value is `invalid_value` and the driver is not called;
   * a driver that throws (or returns a value of the wrong type) is `hardware_fault`.
   * `applied` is what the driver reports as applied, never the request.
   * A `query` value may be absent, null, "" or the entity's own name (spec: it "names the quantity").
   */
  execute(name: string, command: Command): ExecuteResult {
    const spec = this.specs.get(name);
    if (!spec || !spec.commands.includes(command.type)) return { ok: false, reason: "unsupported_command" };
    if (command.type === "query") {
      const v = command.value;
      if (v !== undefined && v !== null && v !== "" && v !== name) return { ok: false, reason: "invalid_value" };
      const r = this.read(name);
      return r.ok ? { ok: true, applied: r.value } : r;
    }
    const requested = spec.accepts
      ? spec.accepts(command.type, command.value)
      : normaliseValue(spec.descriptor.type, command.value, spec);
    if (requested === undefined) return { ok: false, reason: "invalid_value" };
    let raw: unknown;
    try {
      raw = spec.driver.write!(requested); // every non-query command has a write(): checked at construction
    } catch {
      // raw stays undefined, never a valid value: a hardware fault below
    }
    const applied = driverValue(spec.descriptor.type, raw);
    return applied === undefined ? { ok: false, reason: "hardware_fault" } : { ok: true, applied };
  }

  /** Current state of every entity whose driver reads cleanly (faulty ones are left out). */
  snapshot(): EntityState[] {
    return this.statesOf(this.names());
  }

  /** Entities that publish periodic reports (those with `reportEveryMs`). */
  reportable(): string[] {
    const out: string[] = [];
    for (const s of this.specs.values()) if (s.reportEveryMs !== undefined) out.push(s.descriptor.name);
    return out;
  }

  /** The shortest report period, or undefined when nothing reports periodically. */
  reportIntervalMs(): number | undefined {
    let min = Infinity;
    for (const s of this.specs.values()) if (s.reportEveryMs !== undefined) min = Math.min(min, s.reportEveryMs);
    return min === Infinity ? undefined : min;
  }

  /** Current state of the given entities, skipping unknown or faulty ones. */
  statesOf(names: readonly string[]): EntityState[] {
    const out: EntityState[] = [];
    for (const name of names) {
      const spec = this.specs.get(name);
      if (!spec) continue;
      const r = readDriver(spec);
      if (r.ok) out.push({ name, value: r.value, unit: spec.descriptor.unit });
    }
    return out;
  }
}
