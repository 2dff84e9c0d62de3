// XS parses JSON recursively on the C stack: nesting is bounded before JSON.parse ever sees it.
import { assert, equal, test } from "../harness";
import { MAX_JSON_DEPTH, nestedDeeper, parseJson } from "../../src/core/json";
import { decodeCommand } from "../../src/core/messages";

test("a 2,000-deep array within 4 KiB is refused before parsing", () => {
  const deep = "[".repeat(2000) + "]".repeat(2000);
  assert(deep.length <= 4096);
  const r = parseJson(deep);
  assert(!r.ok && r.error.reason === "malformed_json" && r.error.detail.includes("nested"), JSON.stringify(r));
  const unbalanced = parseJson("{\"a\":" + "[".repeat(3000));
  assert(!unbalanced.ok && unbalanced.error.detail.includes("nested"));
});

test(`a command value nested ${MAX_JSON_DEPTH + 1} deep is refused; ${MAX_JSON_DEPTH} deep parses`, () => {
  const nest = (n: number) => `{"type":"set","value":${"[".repeat(n - 1)}1${"]".repeat(n - 1)}}`;
  equal(decodeCommand(nest(MAX_JSON_DEPTH + 1)).ok, false);
  equal(decodeCommand(nest(MAX_JSON_DEPTH)).ok, true);
});

test("brackets inside strings and escaped quotes do not count", () => {
  equal(nestedDeeper(`{"a":"${"[".repeat(100)}"}`, 2), false);
  equal(nestedDeeper(`{"a":"\\"${"{".repeat(100)}"}`, 2), false);
  equal(nestedDeeper(`{"a":"\\\\"}${"[".repeat(3)}`, 2), true);
  equal(nestedDeeper("[[]]", 2), false);
  equal(nestedDeeper("[[[]]]", 2), true);
});
