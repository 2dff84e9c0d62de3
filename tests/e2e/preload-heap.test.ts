// The preload check of every simulator build (tests/sim/preload-heap.ts), on heap excerpts in the
// exact form the XS linker writes to mc.xs.c (lines copied from a real build, renumbered): a Map or
// Set built at preload is read-only on the device, so one the sources change must be refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkPreloadedHeap, preloadedInstances, COLLECTION_KINDS } from "../sim/preload-heap";

const line = (i: number, next: string, id: string, flag: string, kind: string, value: string): string =>
  `/* ${i} */\t{ ${next}, {.ID = ${id}, .flag = ${flag}, .kind = ${kind}}, .value = ${value}`;
const at = (i: number): string => `(txSlot*)&gxHeap[${i}]`;

/** A module environment holding `const NAME = new Set([...])` (as mask.ts SECRET_SET is held). */
function heapWith(kind: "XS_SET_KIND" | "XS_MAP_KIND", name: string | undefined, extra = ""): string {
  return [
    line(10, "NULL", "0", "0x8b", "XS_INTEGER_KIND", "{ .integer = 10 } },"),
    line(11, at(10), "0", "0x8b", "XS_LIST_KIND", `{ .list = { ${at(9)}, ${at(8)} } }},`),
    line(12, at(11), "0", "0x8b", kind, "{ .table = { (txSlot**)&gxSlotData[0], 16 } }},"),
    line(20, at(12), "XS_NO_ID", "0xd0", "XS_INSTANCE_KIND", `{ .instance = { NULL, ${at(3)} } } },`),
    line(30, "NULL", "XS_NO_ID", "0x88", "XS_REFERENCE_KIND", `{ .reference = ${at(20)} } },`),
    name === undefined ? "" : line(40, at(39), `xsID_${name}`, "0x8e", "XS_CLOSURE_KIND", `{ .closure = ${at(30)} } },`),
    extra,
  ].join("\n");
}

const file = (path: string, text: string) => ({ path, text });
const MASK_READ = file("src/core/mask.ts", "const SECRET_SET = new Set(SECRET_FIELDS);\nexport const isSecret = (k: string): boolean => SECRET_SET.has(k);\n");
/** The mask.ts bug of the last session: a verdict cache built at module load and filled at run time. */
const MASK_BUG = file("src/core/mask.ts", "const verdicts = new Map<string, boolean>();\nexport function secret(k: string): boolean {\n  let v = verdicts.get(k);\n  if (v === undefined) verdicts.set(k, (v = k === \"password\"));\n  return v;\n}\n");

test("a preloaded Set that is only read passes (mask.ts SECRET_SET)", () => {
  const heap = heapWith("XS_SET_KIND", "SECRET_SET");
  assert.deepEqual(preloadedInstances(heap, COLLECTION_KINDS), [{ kind: "SET", bindings: ["SECRET_SET"], properties: [] }]);
  const r = checkPreloadedHeap(heap, [MASK_READ]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.notes, ["SET SECRET_SET: preloaded and only read"]);
});

test("a preloaded Map the code fills at run time is refused with the place that changes it (the mask.ts bug)", () => {
  const r = checkPreloadedHeap(heapWith("XS_MAP_KIND", "verdicts"), [MASK_BUG]);
  assert.equal(r.findings.length, 1);
  assert.equal(r.findings[0]?.kind, "MAP");
  assert.match(r.findings[0]?.why ?? "", /read-only on the device, but changed at src\/core\/mask\.ts:4/);
});

test("add, delete and clear count as changes; a change through a private field or optional chain too", () => {
  for (const body of ["SECRET_SET.add(k);", "SECRET_SET.delete(k);", "SECRET_SET?.clear();", "this.#SECRET_SET.add(k);"]) {
    const r = checkPreloadedHeap(heapWith("XS_SET_KIND", "SECRET_SET"), [file("src/core/mask.ts", `${MASK_READ.text}export function f(k: string): void { ${body} }\n`)]);
    assert.equal(r.findings.length, 1, body);
  }
});

test("an unnamed preloaded Map is refused (nothing tells whether it changes)", () => {
  const r = checkPreloadedHeap(heapWith("XS_MAP_KIND", undefined), [MASK_READ]);
  assert.equal(r.findings.length, 1);
  assert.match(r.findings[0]?.why ?? "", /unnamed/);
});

test("a Map the project does not declare is an SDK module's: listed, not refused", () => {
  const r = checkPreloadedHeap(heapWith("XS_MAP_KIND", "registry"), [file("src/moddable/x.ts", "function f(registry: Map<string, number>): void { registry.set(\"a\", 1); }\n")]);
  assert.deepEqual(r.findings, []);
  assert.match(r.notes[0] ?? "", /SDK module's/);
});

test("a preloaded RegExp is refused", () => {
  const regexp = line(50, "NULL", "0", "0x8b", "XS_REGEXP_KIND", "{ .regexp = { NULL, NULL } }},");
  const r = checkPreloadedHeap(heapWith("XS_SET_KIND", "SECRET_SET", regexp), [MASK_READ]);
  assert.equal(r.findings.length, 1);
  assert.equal(r.findings[0]?.kind, "REGEXP");
});

test("a preloaded typed array written by index is refused; the engine's unnamed typed-array prototypes are not", () => {
  const heap = [
    line(60, "NULL", "XS_NO_ID", "0x8b", "XS_INTEGER_KIND", "{ .integer = 0 } },"),
    line(61, at(60), "XS_NO_ID", "0x8b", "XS_TYPED_ARRAY_KIND", "{ .typedArray = { NULL, NULL } }},"),
    line(62, at(61), "XS_NO_ID", "0xd0", "XS_INSTANCE_KIND", `{ .instance = { NULL, ${at(3)} } } },`),
    line(63, "NULL", "XS_NO_ID", "0x88", "XS_REFERENCE_KIND", `{ .reference = ${at(62)} } },`),
    line(64, "NULL", "xsID_TABLE", "0x8e", "XS_CLOSURE_KIND", `{ .closure = ${at(63)} } },`),
    line(70, "NULL", "XS_NO_ID", "0x8b", "XS_TYPED_ARRAY_KIND", "{ .typedArray = { NULL, NULL } }},"),
    line(71, at(70), "XS_NO_ID", "0xd0", "XS_INSTANCE_KIND", `{ .instance = { NULL, ${at(3)} } } },`),
  ].join("\n");
  const reads = file("src/core/crc32.ts", "const TABLE = new Uint32Array(256);\nexport const at = (i: number): number => TABLE[i] ?? 0;\n");
  assert.deepEqual(checkPreloadedHeap(heap, [reads]).findings, []);
  const writes = file("src/core/crc32.ts", `${reads.text}export function fill(): void { for (let i = 0; i < 256; i++) TABLE[i] = i; }\n`);
  const r = checkPreloadedHeap(heap, [writes]);
  assert.equal(r.findings.length, 1);
  assert.match(r.findings[0]?.why ?? "", /crc32\.ts:3/);
});
