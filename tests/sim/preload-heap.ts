// What the preloaded heap (mcconfig's generated mc.xs.c) holds that breaks at run time on the
// device, found after every simulator build (tests/sim/mcsim.ts buildFirmware):
//
// - a RegExp: XS 17.7 crashes in RegExp.prototype.exec on one after a few GCs (README: Memory on
//   the simulator);
// - a Map, Set, WeakMap or WeakSet (and a typed array, ArrayBuffer or DataView) built at preload and
//   changed later. The XS linker (xs/tools/xslSlot.c fxPrepareHeap) cannot alias these, so it
//   freezes them: on the device `set`/`add`/`delete`/`clear` throw "read-only Map instance" (the
//   mask.ts bug: its verdict cache threw inside the logger and every record with fields was
//   dropped). Plain objects, arrays and module-level `let` bindings are aliased (copied to RAM on
//   first write), so changing them works and is not checked here.
//
// A Map/Set in the heap is found by its internal slot; its name is the module-level binding or
// property that refers to it. It is refused when unnamed (nothing tells whether it changes), or
// when the project's sources change that name (`NAME.set(`, `.add(`, `.delete(`, `.clear(`; for
// typed arrays also `NAME[i] =` and `.fill(`…). A name the project's sources never mention belongs
// to an SDK module and is only listed. A Map/Set that is only read (mask.ts SECRET_SET.has) passes.
// Not caught: a preloaded Map handed to a function under another name that changes it.

export interface HeapSlot { index: number; next: number | undefined; id: string; kind: string; value: string }

export interface PreloadedInstance {
  kind: string;
  /** Module-level bindings (variables) that refer to the instance (xsID_ prefix removed). */
  bindings: string[];
  /** Properties (of objects, classes, private fields) that refer to it. */
  properties: string[];
}

export interface Finding { kind: string; names: string[]; why: string }

export interface SourceFile { path: string; text: string }

const SLOT = /^\/\* (\d+) \*\/\t\{ ([^,]+), \{\.ID = ([^,]+), \.flag = 0x[0-9a-f]+, \.kind = (XS_[A-Z_]+)\}, \.value = (.*)$/gm;
const HEAP_REF = /gxHeap\[(\d+)\]/g;

export const COLLECTION_KINDS: readonly string[] = ["XS_MAP_KIND", "XS_SET_KIND", "XS_WEAK_MAP_KIND", "XS_WEAK_SET_KIND"];
export const BUFFER_KINDS: readonly string[] = ["XS_TYPED_ARRAY_KIND", "XS_ARRAY_BUFFER_KIND", "XS_DATA_VIEW_KIND"];

export function parseHeap(text: string): Map<number, HeapSlot> {
  const slots = new Map<number, HeapSlot>();
  for (const m of text.matchAll(SLOT)) {
    const next = /gxHeap\[(\d+)\]/.exec(m[2] ?? "");
    slots.set(Number(m[1]), { index: Number(m[1]), next: next ? Number(next[1]) : undefined, id: (m[3] ?? "").trim(), kind: m[4] ?? "", value: m[5] ?? "" });
  }
  return slots;
}

/** RegExp slots in the preloaded heap. */
export function regexpCount(text: string): number {
  return text.split("XS_REGEXP_KIND").length - 1;
}

const nameOf = (id: string): string | undefined => (id === "XS_NO_ID" ? undefined : id.replace(/^xsID_/, "").replace(/\s*\/\*.*\*\/$/, ""));

/** Every instance whose internal slot is one of `kinds`, with the names that refer to it. */
export function preloadedInstances(text: string, kinds: readonly string[]): PreloadedInstance[] {
  const slots = parseHeap(text);
  const referrers = new Map<number, number[]>();
  const owner = new Map<number, number>(); // internal slot → its instance (the slot whose next it is)
  for (const s of slots.values()) {
    for (const r of s.value.matchAll(HEAP_REF)) {
      const to = Number(r[1]);
      const list = referrers.get(to);
      if (list) list.push(s.index);
      else referrers.set(to, [s.index]);
    }
    if (s.next !== undefined) owner.set(s.next, s.index);
  }
  const out: PreloadedInstance[] = [];
  for (const s of slots.values()) {
    if (!kinds.includes(s.kind)) continue;
    const instance = owner.get(s.index);
    if (instance === undefined || slots.get(instance)?.kind !== "XS_INSTANCE_KIND") continue;
    const bindings = new Set<string>(), properties = new Set<string>();
    for (const r of referrers.get(instance) ?? []) {
      const ref = slots.get(r);
      if (!ref || ref.kind !== "XS_REFERENCE_KIND") continue;
      const property = nameOf(ref.id);
      if (property !== undefined) properties.add(property);
      // A variable: an environment's closure slot points at the value slot.
      for (const c of referrers.get(r) ?? []) {
        const closure = slots.get(c);
        const name = closure?.kind === "XS_CLOSURE_KIND" ? nameOf(closure.id) : undefined;
        if (name !== undefined) bindings.add(name);
      }
    }
    out.push({ kind: s.kind.replace(/^XS_|_KIND$/g, ""), bindings: [...bindings].sort(), properties: [...properties].sort() });
  }
  return out;
}

const escape = (s: string): string => s.replace(/[$]/g, "\\$");

/** `file:line` of each place the sources change `name` (as a Map/Set, or as a buffer too). */
function mutations(name: string, sources: readonly SourceFile[], buffer: boolean): string[] {
  const n = escape(name);
  const call = buffer ? "set|add|delete|clear|fill|copyWithin|reverse|sort|set[A-Z]\\w*" : "set|add|delete|clear";
  const patterns = [new RegExp(`(?<![\\w$])#?${n}\\s*(?:\\?\\.|\\.)\\s*(?:${call})\\s*\\(`)];
  if (buffer) patterns.push(new RegExp(`(?<![\\w$])#?${n}\\s*\\[[^\\]]*\\]\\s*(?:[-+*/%&|^]|<<|>>>?|\\*\\*)?=(?!=)`), new RegExp(`(?<![\\w$])#?${n}\\s*\\[[^\\]]*\\]\\s*(?:\\+\\+|--)`));
  const out: string[] = [];
  for (const f of sources) {
    const lines = f.text.split("\n");
    lines.forEach((line, i) => {
      if (patterns.some((p) => p.test(line))) out.push(`${f.path}:${i + 1}`);
    });
  }
  return out;
}

/**
 * Does the project create it? A module-level binding is declared at the start of a line (the
 * project's style: top-level code is not indented); a property is a class field or an object key.
 */
function declaredInProject(x: PreloadedInstance, name: string, sources: readonly SourceFile[]): boolean {
  const n = escape(name);
  const re = x.bindings.includes(name)
    ? new RegExp(`^(?:export\\s+)?(?:const|let|var)\\s+${n}\\b`, "m")
    : new RegExp(`(?:\\bstatic\\s+(?:readonly\\s+)?#?${n}\\b|(?<![\\w$.])#?${n}\\s*[:=](?!=))`);
  return sources.some((f) => re.test(f.text));
}

/**
 * Problems of a preloaded heap: RegExps, and Maps/Sets (typed arrays, buffers) that the project's
 * sources change at run time or whose owner cannot be told. `notes` lists what passed and why.
 */
export function checkPreloadedHeap(text: string, sources: readonly SourceFile[]): { findings: Finding[]; notes: string[] } {
  const findings: Finding[] = [];
  const notes: string[] = [];
  const regexps = regexpCount(text);
  if (regexps > 0) findings.push({ kind: "REGEXP", names: [], why: `${regexps} RegExp slot(s): a preloaded module creates a RegExp at module load (make it on first use)` });
  for (const [kinds, buffer] of [[COLLECTION_KINDS, false], [BUFFER_KINDS, true]] as const) {
    for (const x of preloadedInstances(text, kinds)) {
      const names = [...x.bindings, ...x.properties];
      const label = `${x.kind} ${names.join("/") || "(unnamed)"}`;
      if (names.length === 0) {
        // The engine's own typed-array prototypes carry a typed-array slot and no name.
        if (!buffer) findings.push({ kind: x.kind, names: [], why: "unnamed preloaded instance (held in a property or closure this check cannot name): built at preload it is read-only on the device; make it on first use" });
        continue;
      }
      const own = names.filter((n) => declaredInProject(x, n, sources));
      if (own.length === 0) { notes.push(`${label}: not created by the project's sources (an SDK module's), not checked`); continue; }
      const changed = own.flatMap((n) => mutations(n, sources, buffer));
      if (changed.length) findings.push({ kind: x.kind, names, why: `built at preload, so read-only on the device, but changed at ${changed.join(", ")}: make it on first use` });
      else notes.push(`${label}: preloaded and only read`);
    }
  }
  return { findings, notes };
}
