// Soak on XS (npm run test:faults): 10^5 events through the device runtime on xsnap, with a flat
// XS heap. xsnap gives JS no heap statistics; it writes a snapshot of the machine after the run
// (after a GC), and `xsnap -d` lists the snapshot's sections: HEAP (slots) and BLOC (chunks) are
// the live heap. The same program with 10^4 and with 10^5 events must leave the same heap.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "../..");
const OUT = join(ROOT, "build/faults");
const EVENTS = [10_000, Number(process.env.SOAK_XS_EVENTS ?? 100_000)];

function xsnap(): string {
  const r = spawnSync("sh", [join(ROOT, "scripts/build-xsnap.sh"), "release"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

async function run(bin: string, events: number): Promise<{ line: string; heap: number; chunks: number }> {
  const js = join(OUT, `xs-soak-${events}.js`);
  const snap = join(OUT, `xs-soak-${events}.xss`);
  await build({
    entryPoints: [join(import.meta.dirname, "xs-soak-main.ts")], bundle: true, format: "iife", target: "es2022", platform: "neutral",
    mainFields: ["module", "main"], outfile: js, logLevel: "warning", define: { SOAK_EVENTS: String(events) }, banner: { js: '"use strict";' },
  });
  const r = spawnSync(bin, ["-s", js, "-w", snap], { encoding: "utf8", timeout: 20 * 60_000 });
  assert.equal(r.status, 0, `xsnap exit ${r.status}: ${r.stdout}${r.stderr}`);
  const d = spawnSync(bin, ["-d", snap], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const dump = d.stdout + d.stderr; // the dump goes to stderr
  const size = (section: string) => Number(new RegExp(`^${section} (\\d+)$`, "m").exec(dump)?.[1] ?? NaN);
  return { line: r.stdout.trim(), heap: size("HEAP"), chunks: size("BLOC") };
}

test(`${EVENTS[1]} events through the device runtime on XS leave the heap as ${EVENTS[0]} do`, async () => {
  mkdirSync(OUT, { recursive: true });
  const bin = xsnap();
  const rows = [];
  for (const n of EVENTS) rows.push({ n, ...(await run(bin, n)) });
  const table = ["| events | XS heap slots section (bytes) | chunks section (bytes) | run |", "|---|---|---|---|",
    ...rows.map((r) => `| ${r.n} | ${r.heap} | ${r.chunks} | ${r.line} |`)].join("\n");
  process.stdout.write(`\nXS soak (xsnap snapshots after GC):\n${table}\n`);
  writeFileSync(join(OUT, "soak-xs.md"), table + "\n");
  const [small, big] = rows;
  assert.ok(small && big && Number.isFinite(small.heap) && Number.isFinite(big.heap), "heap sizes read from the snapshots");
  // Flat: 10x the events may not grow the live heap by more than 2% (noise of where GC lands).
  assert.ok(big.heap <= small.heap * 1.02, `heap slots ${small.heap} → ${big.heap}`);
  assert.ok(big.chunks <= small.chunks * 1.02 + 4096, `chunks ${small.chunks} → ${big.chunks}`);
});
