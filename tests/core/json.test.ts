// The device's own bounded JSON front end (json.ts): byte counting, nesting, text checks and the
// typed readers, each failure with its exact reason and detail.
import { deepEqual, equal, test } from "../harness";
import {
  isCleanText, MAX_PAYLOAD_BYTES, nestedDeeper, parseJson, parseObject, readArray, readChecked, readId, readIdList,
  readKind, readObject, readPriority, readString, utf8Length,
} from "../../src/core/json";

const fails = (r: { ok: boolean; error?: { reason: string; detail: string } }): string =>
  r.ok ? "ok" : `${r.error?.reason}: ${r.error?.detail}`;

test("utf8Length: every encoding-length boundary, surrogate pairs and lone surrogates", () => {
  const rows: [string, number][] = [
    ["\u007f", 1], ["\u0080", 2], ["\u07ff", 2], ["\u0800", 3], ["\ud7ff", 3], ["\ue000", 3], ["\uffff", 3],
    ["\ud800\udc00", 4], ["\udbff\udfff", 4], ["\ud800\udfff", 4], ["\udbff\udc00", 4],
    ["\ud800", 3], ["\udbff", 3], ["\udc00", 3], ["\udfff", 3],
    ["\ud800\ud800", 6], ["\udbff\ue000", 6], ["\ud800\udbff", 6], ["\udc00\ud800", 6], ["\udc00\udc00", 6], ["\ue000\udc00", 6], ["\ud7ff\udc00", 6],
    ["a\ud800", 4], ["\u20ac\ud83d\ude00", 7], ["", 0],
  ];
  for (const [s, n] of rows) equal(utf8Length(s), n, JSON.stringify(s));
});

test("utf8Length stops counting once past its bound (a huge payload is not walked whole)", () => {
  equal(utf8Length("aaaa", 1), 2);
  equal(utf8Length("aaaa", 4), 4);
  equal(utf8Length("\u20ac\u20ac\u20ac", 2), 3);
});

test("parseJson: exact reasons and details for each refusal", () => {
  equal(fails(parseJson(42)), "malformed_json: payload is not text");
  equal(fails(parseJson("{")), "malformed_json: not valid JSON");
  equal(fails(parseJson("x".repeat(MAX_PAYLOAD_BYTES + 1))), "oversized: payload over 4096 bytes");
  equal(fails(parseJson("[" + "[".repeat(16) + "]".repeat(16) + "]")), "malformed_json: nested deeper than 16 levels");
  equal(fails(parseObject("[1]")), "not_object: payload is not a JSON object");
  equal(fails(parseObject("null")), "not_object: payload is not a JSON object");
  deepEqual(parseObject(`{"a":1}`), { ok: true, value: { a: 1 } });
});

test("parseJson: 4096 bytes of two-byte text pass, one byte more is oversized; 1365 three-byte characters are 4097", () => {
  const body = (n: number) => `"${"é".repeat(n)}"`; // 2 + 2n bytes
  deepEqual(parseJson(body(2047)), { ok: true, value: "é".repeat(2047) });
  equal(fails(parseJson(body(2047) + " ")), "oversized: payload over 4096 bytes");
  equal(fails(parseJson(" " + body(2046) + " ")), "ok");
  // under the limit as UTF-16 units, over it as UTF-8
  equal(fails(parseJson(`"${"€".repeat(1364)}"`)), "ok");
  equal(fails(parseJson(`"${"€".repeat(1365)}"`)), "oversized: payload over 4096 bytes");
  // a 1 MB payload is refused as oversized
  equal(fails(parseJson("[" + "1,".repeat(500_000) + "1]")), "oversized: payload over 4096 bytes");
});

test("nestedDeeper: closing brackets end a level; siblings do not add up", () => {
  equal(nestedDeeper("[[]][[]][[]]", 2), false);
  equal(nestedDeeper(`{"a":[1],"b":[2],"c":[3]}`, 2), false);
  equal(nestedDeeper(`{"a":{},"b":{},"c":{"d":1}}`, 2), false);
  const siblings = `{"type":"set","value":[${Array.from({ length: 40 }, (_, i) => `[${i}]`).join(",")}]}`;
  equal(fails(parseObject(siblings)), "ok");
});

test("isCleanText: length bounds are inclusive; control characters and lone surrogates are refused", () => {
  equal(isCleanText("ab", 2, 3), true);
  equal(isCleanText("abc", 2, 3), true);
  equal(isCleanText("a", 2, 3), false);
  equal(isCleanText("abcd", 2, 3), false);
  equal(isCleanText("", 0, 3), true);
  for (const c of ["\u0000", "\u001f", "\u007f", "\u0080", "\u009f"]) equal(isCleanText(`a${c}b`, 1, 8), false, JSON.stringify(c));
  for (const c of [" ", "~", "\u00a0", "\u00ff", "\ud7ff", "\ue000", "\uffff", "\u20ac"]) equal(isCleanText(`a${c}b`, 1, 8), true, JSON.stringify(c));
  for (const pair of ["\ud800\udc00", "\udbff\udfff", "\ud800\udfff", "\udbff\udc00"]) {
    equal(isCleanText(pair, 1, 8), true, JSON.stringify(pair));
    equal(isCleanText(`a${pair}`, 1, 8), true, JSON.stringify(pair));
  }
  for (const bad of ["\ud800", "\udbff", "\udc00", "\udfff", "a\ud800", "\ud800a", "\udc00a", "a\udfff", "\ud800\ud800", "\udc00\udc00",
    "\udc00\ud800", "\ud800\ue000", "\ud7ff\udc00", "\ue000\udc00", "\udfff\udc00"])
    equal(isCleanText(bad, 1, 8), false, JSON.stringify(bad));
});

test("typed readers: exact reason and detail, the path named", () => {
  const o = { s: "x", n: 1, id: "bad id", o: {}, a: [], ok: "A-1" };
  equal(fails(readString(o, "n", "value.n")), "wrong_type: value.n is not a string");
  equal(fails(readString(o, "missing", "value.missing")), "missing_field: value.missing");
  equal(fails(readId(o, "id", "value.id")), "invalid_id: value.id is not a valid id");
  deepEqual(readId(o, "ok"), { ok: true, value: "A-1" });
  equal(fails(readObject(o, "a", "value.a")), "wrong_type: value.a is not an object");
  deepEqual(readObject(o, "o"), { ok: true, value: {} });
  equal(fails(readArray(o, "o", "value.o")), "wrong_type: value.o is not an array");
  deepEqual(readArray(o, "a"), { ok: true, value: [] });
  equal(fails(readChecked(o, "s", (s) => s === "y", "value.s")), "invalid_value: value.s is not acceptable");
  deepEqual(readChecked(o, "s", (s) => s === "x"), { ok: true, value: "x" });
  equal(fails(readKind({ type: "set" }, "query")), "unexpected_type: type is not query");
  equal(fails(readKind({}, "query")), "missing_field: type");
  equal(fails(readPriority({}, 1, 2)), "missing_field: priority_level");
  equal(fails(readPriority({ priority_level: "1" }, 1, 2)), "wrong_type: priority_level is not a number");
  equal(fails(readPriority({ priority_level: 3 }, 1, 2)), "invalid_value: unexpected priority_level");
  deepEqual(readPriority({ priority_level: 2 }, 1, 2), { ok: true, value: 2 });
});

test("readIdList: up to max items inclusive, each a valid id; the bad item is named", () => {
  deepEqual(readIdList({ g: ["a", "b", "c"] }, "g", 3), { ok: true, value: ["a", "b", "c"] });
  equal(fails(readIdList({ g: ["a", "b", "c", "d"] }, "g", 3, "value.g")), "invalid_value: value.g has more than 3 items");
  equal(fails(readIdList({ g: ["a", 2] }, "g", 3, "value.g")), "wrong_type: value.g[1] is not a string");
  equal(fails(readIdList({ g: ["a", "b", "c d"] }, "g", 3, "value.g")), "invalid_id: value.g[2] is not a valid id");
  equal(fails(readIdList({ g: "a" }, "g", 3, "value.g")), "wrong_type: value.g is not an array");
  deepEqual(readIdList({ g: [] }, "g", 3), { ok: true, value: [] });
});
