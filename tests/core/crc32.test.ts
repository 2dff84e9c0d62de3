import { test, equal } from "../harness";
import { crc32 } from "../../src/core/crc32";

test("crc32: check value of \"123456789\" is 0xCBF43926", () => {
  equal(crc32("123456789"), 0xcbf43926);
});

test("crc32: empty string is 0", () => {
  equal(crc32(""), 0);
});

test("crc32: ASCII vectors", () => {
  equal(crc32("a"), 0xe8b7be43);
  equal(crc32("The quick brown fox jumps over the lazy dog"), 0x414fa339);
});

test("crc32: multi-byte UTF-8 (2, 3 and 4 byte sequences) matches zlib over the encoded bytes", () => {
  equal(crc32("héllo wörld € \u{1D11E}"), 0x13bd96d9);
});

test("crc32: a lone surrogate is hashed as U+FFFD (EF BF BD)", () => {
  equal(crc32("\ud800"), 0x8b7233c9);
  equal(crc32("x\udc00y"), 0x372cad3d);
  equal(crc32("x\ufffdy"), 0x372cad3d);
});

test("crc32: result is an unsigned 32-bit integer and stable across calls", () => {
  const v = crc32("123456789");
  equal(v > 0x7fffffff, true);
  equal(Number.isInteger(v), true);
  equal(crc32("123456789"), v);
  equal(crc32("123456789") | 0, -(0x100000000 - 0xcbf43926));
});

test("crc32: UTF-8 at every encoding-length boundary, lone surrogates as U+FFFD (values from zlib)", () => {
  equal(crc32("\u007f"), 314082080);
  equal(crc32("\u0080"), 1437410323);
  equal(crc32("\u07ff"), 480732466);
  equal(crc32("\u0800"), 354170491);
  equal(crc32("\uffff"), 1702646501);
  equal(crc32("\u{10000}"), 2349492768);
  equal(crc32("\udfff"), 2339517385);
  equal(crc32("\ud800"), 2339517385);
  equal(crc32("\ue000"), 2315665363);
  equal(crc32("a\u0080\u0800\u{10000}z"), 2770038272);
});
