import { test, assert, equal } from "../harness";
import { idPattern, isActivationCode, isId } from "../../src/core/ids";

test("isId accepts 1-64 characters of [A-Za-z0-9_.-]", () => {
  const good = ["a", "Z", "0", "_", ".", "-", "dev-0001", "A.b_c-9", "x".repeat(64), "switch", "remove", "..", "0123456789"];
  for (const s of good) assert(isId(s), `should accept ${JSON.stringify(s)}`);
});

test("isId rejects everything else", () => {
  const bad: unknown[] = [
    "", "x".repeat(65), "a/b", "/", "+", "#", "a+", "#a", "a b", " a", "a ", "a\u0000", "\u0000", "a\n", "a\nb", "é", "a\u200b",
    "a\\b", "a:b", "a*b", "$SYS", "a,b", "ａ", "a\t", 5, null, undefined, {}, ["a"], true,
  ];
  for (const [i, s] of bad.entries()) assert(!isId(s), `row ${i}: should reject ${JSON.stringify(s)}`);
});

test("idPattern() is anchored at both ends (no trailing newline leak)", () => {
  const re = idPattern();
  assert(re.test("abc"));
  assert(!re.test("abc\n"));
  assert(!re.test("\nabc"));
  equal(re.global, false, "a global regex would be stateful");
  equal(re.sticky, false, "a sticky regex would be stateful");
});

test("idPattern() is made once and reused", () => {
  equal(idPattern(), idPattern());
});

test("isActivationCode needs an id of at least 8 characters", () => {
  assert(isActivationCode("12345678"));
  assert(isActivationCode("AC-0001-xyz"));
  assert(isActivationCode("a".repeat(64)));
  assert(!isActivationCode("1234567"));
  assert(!isActivationCode("1234 5678"));
  assert(!isActivationCode("1234/5678"));
  assert(!isActivationCode("a".repeat(65)));
  assert(!isActivationCode(12345678));
  assert(!isActivationCode(undefined));
});
