// Shared data for the message codec tests (not a test file itself).

import { AssertionError, assert, equal, test } from "../harness";
import type { DecodeReason, Decoded } from "../../src/core/messages";

/** A self-signed P-256 certificate, used only for its PEM shape. */
export const PEM = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBezCCASGgAwIBAgIUd5iIO8fklAUr0PGEVgqtLsZV/7gwCgYIKoZIzj0EAwIw",
  "EzERMA8GA1UEAwwIZGV2LTAwMDEwHhcNMjYxMTIyMDE1NDIxWhcNMzYxMTE5MDE1",
  "NDIxWjATMREwDwYDVQQDDAhkZXYtMDAwMTBZMBMGByqGSM49AgEGCCqGSM49AwEH",
  "A0IABBlFuxj6y4c6k5OHuZ+/DbxV8VQx0MohIWG2DCS/HoqZ6cmdAGoaIilfb0Sw",
  "/AtJLw8Q7xHSgIgAfTKX7gupUeqjUzBRMB0GA1UdDgQWBBRECpGlGxLz6jclqZfA",
  "JtWRtChXBzAfBgNVHSMEGDAWgBRECpGlGxLz6jclqZfAJtWRtChXBzAPBgNVHRMB",
  "Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDdu+7EJ6Iuv6Id3POXFE7gy8yc",
  "nIJAdy5xy74lH1SJRQIgSDDagYanwmXG2VKY00ooAwPB+fKRHElN4IaRn4ZOdEY=",
  "-----END CERTIFICATE-----",
  "",
].join("\n");

export const T = 1700000000;

export const obj = (o: unknown): string => JSON.stringify(o);
export const outcome = (r: Decoded<unknown>): string => (r.ok ? "ok" : `${r.error.reason}: ${r.error.detail}`);

/** Each row's text decoded: "ok", or "<reason>: <detail>" exactly (a throw is a failure too). */
export function table(decode: (text: string) => Decoded<unknown>, rows: [text: string, expected: string][]): void {
  for (const [text, expected] of rows) {
    let got: string;
    try {
      got = outcome(decode(text));
    } catch (e) {
      got = `threw ${String(e)}`;
    }
    equal(got, expected, text);
  }
}

export type Row = [label: string, text: string, reason: DecodeReason];

/** `text` with one more key (decoders ignore unknown keys, so only the size can matter). */
export function withKey(text: string, key: string, value: unknown): string {
  return `${text.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value)}}`;
}

/** Rows every decoder must reject the same way, derived from one valid message of its kind. */
export function commonRows(valid: string): Row[] {
  const rows: Row[] = [
    ["empty text", "", "malformed_json"],
    ["whitespace only", "  \n ", "malformed_json"],
    ["lone brace", "{", "malformed_json"],
    ["truncated by one", valid.slice(0, -1), "malformed_json"],
    ["truncated at half", valid.slice(0, valid.length >> 1), "malformed_json"],
    ["trailing comma", `${valid.slice(0, -1)},}`, "malformed_json"],
    ["trailing junk", `${valid}x`, "malformed_json"],
    ["two objects", valid + valid, "malformed_json"],
    ["single quotes", "{'type':'set','value':1}", "malformed_json"],
    ["unquoted keys", "{type:\"set\",value:1}", "malformed_json"],
    ["NaN literal", "NaN", "malformed_json"],
    ["NaN inside", withKey(valid, "x", 0).replace(/0}$/, "NaN}"), "malformed_json"],
    ["byte order mark", `\uFEFF${valid}`, "malformed_json"],
    ["comment", `/*c*/${valid}`, "malformed_json"],
    ["undefined literal", "undefined", "malformed_json"],
    ["not text at all", undefined as unknown as string, "malformed_json"],
    ["null", "null", "not_object"],
    ["empty array", "[]", "not_object"],
    ["message inside an array", `[${valid}]`, "not_object"],
    ["number", "42", "not_object"],
    ["string", "\"GET_CREDENTIALS\"", "not_object"],
    ["boolean", "true", "not_object"],
    ["deep nesting (refused before JSON.parse: XS recurses on the C stack)", "[".repeat(200) + "]".repeat(200), "malformed_json"],
    ["nesting at the limit", "[".repeat(16) + "]".repeat(16), "not_object"],
    ["oversized ascii", withKey(valid, "pad", "x".repeat(5000)), "oversized"],
    ["oversized 2-byte utf-8 (fewer than 4096 chars)", withKey(valid, "pad", "é".repeat(2100)), "oversized"],
    ["oversized 3-byte utf-8 (fewer than 4096 chars)", withKey(valid, "pad", "€".repeat(1400)), "oversized"],
    ["oversized 4-byte utf-8 (fewer than 4096 chars)", withKey(valid, "pad", "😀".repeat(1100)), "oversized"],
    ["oversized and malformed", "{".repeat(5000), "oversized"],
  ];
  return rows;
}

/** One test per table; each row must yield ok:false with its reason, and never throw. */
export function rejectTable<T>(name: string, decode: (text: string) => Decoded<T>, valid: string[], rows: Row[], minRows = 30): void {
  test(`${name}: ${rows.length} malformed inputs are rejected with the right reason`, () => {
    assert(rows.length >= minRows, `${name} has only ${rows.length} rows`);
    for (const [i, v] of valid.entries()) assert(decode(v).ok, `${name}: valid sample ${i} must decode: ${JSON.stringify(decode(v))}`);
    for (const [i, [label, text, reason]] of rows.entries()) {
      if (label.includes("fewer than 4096 chars")) assert(text.length < 4096, `row ${i} (${label}) is ${text.length} chars`);
      let r: Decoded<T>;
      try {
        r = decode(text);
      } catch (e) {
        throw new AssertionError(`row ${i} (${label}) threw ${String(e)}`);
      }
      if (r.ok) throw new AssertionError(`row ${i} (${label}): expected ok:false, got ${JSON.stringify(r.value)}`);
      equal(r.error.reason, reason, `row ${i} (${label}) [${r.error.detail}]`);
    }
    equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false, "Object.prototype was polluted");
    equal(({} as Record<string, unknown>).cert, undefined, "Object.prototype was polluted");
  });
}
