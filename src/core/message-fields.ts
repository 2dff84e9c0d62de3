// Field rules shared by the codecs of both directions: limits, text checks, entity values
// and entity descriptor lists.

import { COMMAND_TYPES, VALUE_TYPES, type CommandType, type EntityDescriptor, type EntityValue, type Rgb, type ValueType } from "./entity-types";
import { field, isCleanText, isObject, readArray, reject, utf8Length, type Decoded, type JsonObject } from "./json";
import { isId } from "./ids";

export const MAX_NAME_CHARS = 64;
export const MAX_CREDENTIAL_CHARS = 256;
export const MAX_GROUPS = 16;
export const MAX_UNIT_CHARS = 32;
export const MAX_ENTITIES = 64;
export const MAX_SSID_BYTES = 32;
export const MIN_WIFI_PASSWORD = 8;
export const MAX_WIFI_PASSWORD = 63;

/** A display name (device name, setup result): not a topic level, so any printable text. */
export const isDisplayName = (s: string): boolean => isCleanText(s, 1, MAX_NAME_CHARS);
/** MQTT user name or password handed out by a broker. */
export const isCredential = (s: string): boolean => isCleanText(s, 1, MAX_CREDENTIAL_CHARS);
export const isUnit = (s: string): boolean => isCleanText(s, 0, MAX_UNIT_CHARS);
/** An SSID is at most 32 bytes on the air. */
export const isSsid = (s: string): boolean => isCleanText(s, 1, MAX_SSID_BYTES) && utf8Length(s) <= MAX_SSID_BYTES;

/** A WPA2 passphrase: 8–63 printable ASCII characters (IEEE 802.11i). */
export function isWifiPassword(s: string): boolean {
  if (s.length < MIN_WIFI_PASSWORD || s.length > MAX_WIFI_PASSWORD) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

export function isCommandType(s: string): s is CommandType {
  return (COMMAND_TYPES as readonly string[]).includes(s);
}

export function isValueType(s: unknown): s is ValueType {
  return (VALUE_TYPES as readonly unknown[]).includes(s);
}

const isByte = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;

export function isRgb(v: unknown): v is Rgb {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 3 && isByte(field(v, "r")) && isByte(field(v, "g")) && isByte(field(v, "b"));
}

/** A fresh JSON-ready copy of a value: an Rgb becomes exactly `{r,g,b}` in that order. */
export function valueJson(v: EntityValue): EntityValue {
  return typeof v === "object" ? { r: v.r, g: v.g, b: v.b } : v;
}

export function readEntityValue(v: unknown, path: string): Decoded<EntityValue> {
  if (v === undefined) return reject("missing_field", path);
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return { ok: true, value: v };
  if (isRgb(v)) return { ok: true, value: { r: v.r, g: v.g, b: v.b } };
  return isObject(v) ? reject("invalid_value", `${path} is not {r,g,b}`) : reject("wrong_type", `${path} is not a value`);
}

export function descriptorsJson(list: readonly EntityDescriptor[]): EntityDescriptor[] {
  return list.map((e) => ({ name: e.name, unit: e.unit, type: e.type }));
}

/** An entity list as in `home_prefix` and `about`: unique id names, short units, known type codes. */
export function readDescriptors(obj: JsonObject, key: string, path = key): Decoded<EntityDescriptor[]> {
  const r = readArray(obj, key, path);
  if (!r.ok) return r;
  if (r.value.length > MAX_ENTITIES) return reject("invalid_value", `${path} has more than ${MAX_ENTITIES} entities`);
  const out: EntityDescriptor[] = [];
  for (let i = 0; i < r.value.length; i++) {
    const item = r.value[i], at = `${path}[${i}]`;
    if (!isObject(item)) return reject("wrong_type", `${at} is not an object`);
    const name = field(item, "name"), unit = field(item, "unit"), type = field(item, "type");
    if (name === undefined) return reject("missing_field", `${at}.name`);
    if (unit === undefined) return reject("missing_field", `${at}.unit`);
    if (type === undefined) return reject("missing_field", `${at}.type`);
    if (typeof name !== "string" || typeof unit !== "string" || typeof type !== "string") return reject("wrong_type", `${at} has a non-string field`);
    if (!isId(name)) return reject("invalid_id", `${at}.name is not a valid id`);
    if (!isUnit(unit)) return reject("invalid_value", `${at}.unit is not acceptable`);
    if (!isValueType(type)) return reject("invalid_value", `${at}.type is not a type code`);
    if (out.some((e) => e.name === name)) return reject("invalid_value", `${at}.name is a duplicate`);
    out.push({ name, unit, type });
  }
  return { ok: true, value: out };
}
