// What the XS heap checks share: xsnap gives JS no heap statistics, so a program is bundled, run
// with `xsnap -s <js> -w <snapshot>` (a snapshot after a GC), and `xsnap -d` lists the snapshot's
// sections: HEAP (slots) and BLOC (chunks: strings, arrays' items) are the live heap.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "../..");
export const OUT = join(ROOT, "build/faults");

/** The release xsnap runner, built from @agoric/xsnap's sources on first use. */
export function xsnap(): string {
  const r = spawnSync("sh", [join(ROOT, "scripts/build-xsnap.sh"), "release"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

export interface HeapAfter { line: string; heap: number; chunks: number }

/** Bundles `entry` with `define`, runs it on xsnap and reads the live heap of its final snapshot. */
export async function heapAfter(bin: string, entry: string, name: string, define: Record<string, string>): Promise<HeapAfter> {
  mkdirSync(OUT, { recursive: true });
  const js = join(OUT, `${name}.js`);
  const snap = join(OUT, `${name}.xss`);
  await build({
    entryPoints: [join(import.meta.dirname, entry)], bundle: true, format: "iife", target: "es2022", platform: "neutral",
    mainFields: ["module", "main"], outfile: js, logLevel: "warning", define, banner: { js: '"use strict";' },
  });
  const r = spawnSync(bin, ["-s", js, "-w", snap], { encoding: "utf8", timeout: 20 * 60_000 });
  assert.equal(r.status, 0, `xsnap exit ${r.status}: ${r.stdout}${r.stderr}`);
  const d = spawnSync(bin, ["-d", snap], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const dump = d.stdout + d.stderr; // the dump goes to stderr
  const size = (section: string) => Number(new RegExp(`^${section} (\\d+)$`, "m").exec(dump)?.[1] ?? NaN);
  return { line: r.stdout.trim(), heap: size("HEAP"), chunks: size("BLOC") };
}

/** Prints the rows as a table and keeps it in build/faults/<file>. */
export function report(title: string, first: string, rows: (HeapAfter & { n: number })[], file: string): void {
  const table = [`| ${first} | XS heap slots section (bytes) | chunks section (bytes) | run |`, "|---|---|---|---|",
    ...rows.map((r) => `| ${r.n} | ${r.heap} | ${r.chunks} | ${r.line} |`)].join("\n");
  process.stdout.write(`\n${title} (xsnap snapshots after GC):\n${table}\n`);
  writeFileSync(join(OUT, file), table + "\n");
}
