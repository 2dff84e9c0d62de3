// Shared pieces of the message decoders: the size check, the JSON parse and typed field
// readers. Every reader returns a Result; nothing here throws.

import { isId } from "./ids";
import { fail, type Result } from "./result";
import { parseTimestamp } from "./timestamp";

export const MAX_PAYLOAD_BYTES = 4096;
/**
 * Deepest array/object nesting accepted. XS parses JSON recursively on the C stack: 2,000 levels fit
 * in 4 KiB and would overflow an ESP32 task stack; no MQTT2GO message nests deeper than 4.
 */
export const MAX_JSON_DEPTH = 16;

export type DecodeReason =
  | "oversized" | "malformed_json" | "not_object" | "missing_field" | "wrong_type"
  | "invalid_value" | "invalid_id" | "unsupported_command" | "unexpected_type";

export interface DecodeError { reason: DecodeReason; detail: string }

export type Decoded<T> = Result<T, DecodeError>;

export type JsonObject = Readonly<Record<string, unknown>>;

export function reject(reason: DecodeReason, detail: string): { ok: false; error: DecodeError } {
  return fail({ reason, detail });
}

/**
 * UTF-8 length of a string (a lone surrogate counts as the 3-byte U+FFFD it becomes).
 * Stops counting once the length exceeds `stopAbove`.
 */
export function utf8Length(s: string, stopAbove = Infinity): number {
  let n = 0;
  for (let i = 0; i < s.length && n <= stopAbove; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1); // NaN past the end: not a low surrogate
      if (d >= 0xdc00 && d <= 0xdfff) { n += 4; i++; } else n += 3;
    } else n += 3;
  }
  return n;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An own property only: nothing is ever read through the prototype chain. */
export function field(obj: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function has(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** How many times `c` occurs in `s`, counting no further than `stopAbove`. */
function occurrences(s: string, c: string, stopAbove: number): number {
  let n = 0;
  for (let i = s.indexOf(c); i >= 0 && n <= stopAbove; i = s.indexOf(c, i + 1)) n++;
  return n;
}

/** True when `[`/`{` outside strings nest deeper than `max` (a linear scan, no recursion). */
export function nestedDeeper(text: string, max: number): boolean {
  // Nesting never exceeds the number of openers: most payloads have a handful, and counting them
  // with indexOf costs a few native calls where the scan below costs two per character on XS.
  if (occurrences(text, "{", max) + occurrences(text, "[", max) <= max) return false;
  let depth = 0, inString = false;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) { if (++depth > max) return true; }
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Size check first (the text may be huge), then nesting depth, then JSON, then "is it an object". */
export function parseJson(text: unknown): Decoded<unknown> {
  if (typeof text !== "string") return reject("malformed_json", "payload is not text");
  // Under 1366 UTF-16 units the text cannot reach 4096 UTF-8 bytes: only longer text is counted.
  if (text.length * 3 > MAX_PAYLOAD_BYTES && utf8Length(text, MAX_PAYLOAD_BYTES) > MAX_PAYLOAD_BYTES)
    return reject("oversized", `payload over ${MAX_PAYLOAD_BYTES} bytes`);
  if (nestedDeeper(text, MAX_JSON_DEPTH)) return reject("malformed_json", `nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return reject("malformed_json", "not valid JSON");
  }
}

export function parseObject(text: unknown): Decoded<JsonObject> {
  const r = parseJson(text);
  if (!r.ok) return r;
  if (!isObject(r.value)) return reject("not_object", "payload is not a JSON object");
  return { ok: true, value: r.value };
}

export function timestampOf(obj: JsonObject): number | undefined {
  return parseTimestamp(field(obj, "timestamp"));
}

function present(obj: JsonObject, key: string, path: string): Decoded<unknown> {
  const v = field(obj, key);
  return v === undefined ? reject("missing_field", path) : { ok: true, value: v };
}

export function readString(obj: JsonObject, key: string, path = key): Decoded<string> {
  const r = present(obj, key, path);
  if (!r.ok) return r;
  return typeof r.value === "string" ? { ok: true, value: r.value } : reject("wrong_type", `${path} is not a string`);
}

export function readId(obj: JsonObject, key: string, path = key): Decoded<string> {
  const r = readString(obj, key, path);
  if (!r.ok) return r;
  return isId(r.value) ? r : reject("invalid_id", `${path} is not a valid id`);
}

export function readObject(obj: JsonObject, key: string, path = key): Decoded<JsonObject> {
  const r = present(obj, key, path);
  if (!r.ok) return r;
  return isObject(r.value) ? { ok: true, value: r.value } : reject("wrong_type", `${path} is not an object`);
}

export function readArray(obj: JsonObject, key: string, path = key): Decoded<readonly unknown[]> {
  const r = present(obj, key, path);
  if (!r.ok) return r;
  return Array.isArray(r.value) ? { ok: true, value: r.value as readonly unknown[] } : reject("wrong_type", `${path} is not an array`);
}

/** A string field that passes `check`, else invalid_value. */
export function readChecked(obj: JsonObject, key: string, check: (s: string) => boolean, path = key): Decoded<string> {
  const r = readString(obj, key, path);
  if (!r.ok) return r;
  return check(r.value) ? r : reject("invalid_value", `${path} is not acceptable`);
}

/** The `type` field naming the message kind. */
export function readKind(obj: JsonObject, expected: string): Decoded<string> {
  const r = readString(obj, "type");
  if (!r.ok) return r;
  return r.value === expected ? r : reject("unexpected_type", `type is not ${expected}`);
}

/** An integer `priority_level` equal to one of `allowed`. */
export function readPriority(obj: JsonObject, ...allowed: number[]): Decoded<number> {
  const r = present(obj, "priority_level", "priority_level");
  if (!r.ok) return r;
  if (typeof r.value !== "number") return reject("wrong_type", "priority_level is not a number");
  return allowed.includes(r.value) ? { ok: true, value: r.value } : reject("invalid_value", "unexpected priority_level");
}

function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/** True when the string has a lone surrogate (it has no UTF-8 form to store or send). */
function badSurrogateAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1); // NaN past the end
    return !(d >= 0xdc00 && d <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const b = s.charCodeAt(i - 1); // NaN before the start
    return !(b >= 0xd800 && b <= 0xdbff);
  }
  return false;
}

/** Text for names and credentials: `min`–`max` UTF-16 units, no control characters, no lone surrogates. */
export function isCleanText(s: string, min: number, max: number): boolean {
  if (s.length < min || s.length > max) return false;
  for (let i = 0; i < s.length; i++) if (isControl(s.charCodeAt(i)) || badSurrogateAt(s, i)) return false;
  return true;
}

/** An array of ids of at most `max` items. */
export function readIdList(obj: JsonObject, key: string, max: number, path = key): Decoded<string[]> {
  const r = readArray(obj, key, path);
  if (!r.ok) return r;
  if (r.value.length > max) return reject("invalid_value", `${path} has more than ${max} items`);
  const out: string[] = [];
  for (let i = 0; i < r.value.length; i++) {
    const v = r.value[i];
    if (typeof v !== "string") return reject("wrong_type", `${path}[${i}] is not a string`);
    if (!isId(v)) return reject("invalid_id", `${path}[${i}] is not a valid id`);
    out.push(v);
  }
  return { ok: true, value: out };
}
