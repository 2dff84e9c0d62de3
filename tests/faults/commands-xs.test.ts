// The command → confirmation path on XS (npm run test:faults; issue 9 item 6): after a warm-up, 10^5
// `set` commands (each with its retained confirmation and two info lines formatted as text) leave
// the XS heap exactly as it was without them: nothing the path allocates survives it. xsnap gives JS
// no heap statistics; it writes a snapshot after the run (after gc()) and `xsnap -d` lists the
// snapshot's sections: HEAP (slots) and BLOC (chunks: strings, arrays' items) are the live heap.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "../..");
const OUT = join(ROOT, "build/faults");
const COUNTS = [0, Number(process.env.COMMANDS_XS ?? 100_000)];

function xsnap(): string {
  const r = spawnSync("sh", [join(ROOT, "scripts/build-xsnap.sh"), "release"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

async function run(bin: string, commands: number): Promise<{ line: string; heap: number; chunks: number }> {
  // Names of one length: the script's path is a string in the heap too.
  const tag = String(commands).padStart(9, "0");
  const js = join(OUT, `xs-commands-${tag}.js`);
  const snap = join(OUT, `xs-commands-${tag}.xss`);
  await build({
    entryPoints: [join(import.meta.dirname, "xs-commands-main.ts")], bundle: true, format: "iife", target: "es2022", platform: "neutral",
    mainFields: ["module", "main"], outfile: js, logLevel: "warning", define: { COMMANDS: String(commands) }, banner: { js: '"use strict";' },
  });
  const r = spawnSync(bin, ["-s", js, "-w", snap], { encoding: "utf8", timeout: 20 * 60_000 });
  assert.equal(r.status, 0, `xsnap exit ${r.status}: ${r.stdout}${r.stderr}`);
  const d = spawnSync(bin, ["-d", snap], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const dump = d.stdout + d.stderr; // the dump goes to stderr
  const size = (section: string) => Number(new RegExp(`^${section} (\\d+)$`, "m").exec(dump)?.[1] ?? NaN);
  return { line: r.stdout.trim(), heap: size("HEAP"), chunks: size("BLOC") };
}

test(`${COUNTS[1]} set commands through the device runtime on XS leave the heap exactly as none do`, async () => {
  mkdirSync(OUT, { recursive: true });
  const bin = xsnap();
  const rows = [];
  for (const n of COUNTS) rows.push({ n, ...(await run(bin, n)) });
  const table = ["| set commands after warm-up | XS heap slots section (bytes) | chunks section (bytes) | run |", "|---|---|---|---|",
    ...rows.map((r) => `| ${r.n} | ${r.heap} | ${r.chunks} | ${r.line} |`)].join("\n");
  process.stdout.write(`\nXS command path (xsnap snapshots after GC):\n${table}\n`);
  writeFileSync(join(OUT, "commands-xs.md"), table + "\n");
  const [none, many] = rows;
  assert.ok(none && many && Number.isFinite(none.heap) && Number.isFinite(many.heap), "heap sizes read from the snapshots");
  assert.match(many.line, new RegExp(`\\s${1000 + COUNTS[1]} confirmations`), "every command confirmed");
  assert.equal(many.heap, none.heap, "slots left by the commands");
  assert.equal(many.chunks, none.chunks, "chunks left by the commands");
});
