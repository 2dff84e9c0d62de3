// npm run bench: core throughput on XS (xsnap) and Node, then onboarding wall time against the
// development stack (the target: a cloud onboarding in under 10 s on this machine).
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const out = join(root, "build/bench/core.bench.js");
mkdirSync(join(root, "build/bench"), { recursive: true });
await build({ entryPoints: [join(root, "bench/core.bench.ts")], bundle: true, format: "iife", target: "es2022", platform: "neutral", banner: { js: '"use strict";' }, outfile: out, logLevel: "warning" });
const xsnap = spawnSync("sh", [join(root, "scripts/build-xsnap.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).stdout.trim();
for (const [engine, cmd, args] of [["xs (xsnap)", xsnap, ["-s", out]], ["node", process.execPath, [out]]]) {
  console.log(`\n== core on ${engine}`);
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  process.stdout.write(r.stdout + r.stderr);
}
const runs = Number(process.env.BENCH_RUNS ?? 3);
for (const flow of ["cloud", "local", "guest"]) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts/start.ts"), ...(flow === "cloud" ? [] : [`--${flow}`])], { cwd: root, encoding: "utf8", timeout: 60_000 });
    const m = /reached operational at (\d+) ms; total (\d+) ms/.exec(r.stdout);
    times.push(m ? Number(m[1]) : NaN);
  }
  const ok = times.filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  console.log(`\n== ${flow} onboarding to operational (npm start${flow === "cloud" ? "" : " -- --" + flow}): ${times.join(", ")} ms; median ${ok[Math.floor(ok.length / 2)] ?? "n/a"} ms${flow === "cloud" ? " (target < 10000 ms)" : ""}`);
}
