// npm run bench: the core on XS (xsnap) and Node, then one table — figure, this run, goal — for
// every row of issue 9's table, written to build/bench/bench.json. Ratios are measured side by
// side in this run; the fleet and storm rows come from the newest `npm run fleet` results in
// build/fleet (they take more than a machine-minute). BENCH_FLOWS=1 adds the npm start flows.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
mkdirSync(join(root, "build/bench"), { recursive: true });
const bundle = async (name) => {
  const out = join(root, `build/bench/${name}.js`);
  await build({ entryPoints: [join(root, `bench/${name}.ts`)], bundle: true, format: "iife", target: "es2022", platform: "neutral", banner: { js: '"use strict";' }, outfile: out, logLevel: "warning" });
  return out;
};
const core = await bundle("core.bench");
const command = await bundle("command.bench");
const xsnap = spawnSync("sh", [join(root, "scripts/build-xsnap.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).stdout.trim();
const result = (text) => { const m = /^RESULT (.*)$/m.exec(text); return m ? JSON.parse(m[1]) : undefined; };
const measured = {};
for (const [engine, cmd] of [["xs", xsnap], ["node", process.execPath]]) {
  console.log(`\n== core on ${engine}`);
  for (const file of [core, command]) {
    const r = spawnSync(cmd, engine === "xs" ? ["-s", file] : [file], { encoding: "utf8" });
    process.stdout.write(r.stdout.replace(/^RESULT .*\n?/m, "") + r.stderr);
    const res = result(r.stdout);
    if (res) measured[`command_${engine}`] = { ...res, load: loadavg()[0].toFixed(1) }; // 1-minute load average as the run ends
  }
}
console.log("\n== cloud onboarding, device vs raw mqtt client, side by side");
const ob = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench/onboarding.bench.ts")], { cwd: root, encoding: "utf8", timeout: 120_000 });
process.stdout.write(ob.stdout.replace(/^RESULT .*\n?/m, "") + (ob.status === 0 ? "" : ob.stderr));
measured.onboarding = result(ob.stdout);

console.log("\n== aedes retained messages: N SUBSCRIBEs with 2N retained, stock persistence vs the stack's index, side by side");
const rt = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench/retained.bench.ts")], { cwd: root, encoding: "utf8", timeout: 120_000 });
process.stdout.write(rt.stdout.replace(/^RESULT .*\n?/m, "") + (rt.status === 0 ? "" : rt.stderr));
measured.retained = result(rt.stdout);

if (process.env.BENCH_FLOWS) {
  for (const flow of ["cloud", "local", "guest"]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts/start.ts"), ...(flow === "cloud" ? [] : [`--${flow}`])], { cwd: root, encoding: "utf8", timeout: 60_000 });
    const m = /reached operational at (\d+) ms/.exec(r.stdout);
    console.log(`== ${flow} onboarding to operational (npm start${flow === "cloud" ? "" : " -- --" + flow}): ${m ? m[1] : "n/a"} ms`);
  }
}

// The newest fleet results: the largest run, and the largest run with a broker restart.
const fleetDir = join(root, "build/fleet");
const runs = existsSync(fleetDir) ? readdirSync(fleetDir).filter((f) => /^fleet-\d+(-storm)?\.json$/.test(f)).map((f) => {
  const p = join(fleetDir, f);
  return { file: `build/fleet/${f}`, mtime: statSync(p).mtimeMs, ...JSON.parse(readFileSync(p, "utf8")).summary };
}) : [];
const biggest = (xs) => xs.sort((a, b) => b.devices - a.devices || b.mtime - a.mtime)[0];
const fleet = biggest([...runs]); // a storm run onboards its fleet first, too
const storm = biggest(runs.filter((r) => r.restart !== null));

const o = measured.onboarding;
const xs = measured.command_xs;
const fmt = (v, unit = "") => (v === undefined || v === null ? "not measured" : `${v}${unit}`);
const rows = [
  ["cloud onboarding, device vs raw mqtt client (same exchanges incl. Last-Will reconnect)", o ? `${o.ratio}× (${o.device_ms} vs ${o.raw_ms} ms)` : "not measured", "≤ 1.1× with Nagle off"],
  ["cloud onboarding wall time, mDNS window excluded (device, median)", fmt(o?.device_ms, " ms"), "≤ 80 ms"],
  ["units onboarded through one discovery server + cloud broker", fleet ? `${fleet.devices} (${fleet.broker}) in ${fmt(fleet.all_operational_s, " s")}, ${fleet.failures} failures [${fleet.file}]` : "run npm run fleet -- --devices N", "10,000, paced, 0 failures"],
  ["peak reconnect rate after a cloud broker restart (1 s bins; 5 s mean)", storm?.restart ? `${storm.restart.peak_reconnect_pct_per_s} %/s (${fmt(storm.restart.peak_reconnect_pct_per_s_5s_mean, " %/s")}) of ${storm.devices}, broker listening again after ${fmt(storm.restart.broker?.listening_ms, " ms")}, load ${storm.load_avg?.restart?.[0] ?? "?"} [${storm.file}]` : "run npm run fleet -- --devices N --restart-broker-at S", "≤ 5 %/s"],
  ["all units back after that restart", storm?.restart ? `${fmt(storm.restart.all_back_s, " s")} (${storm.devices} units)` : "not measured", "≤ 120 s at 10,000"],
  ...[3000, 10000].map((n) => {
    const r = biggest(runs.filter((x) => x.restart !== null && x.devices === n));
    return [`storm at ${n.toLocaleString("en")} units: peak (5 s mean), all back`, r ? `${r.restart.peak_reconnect_pct_per_s} %/s (${fmt(r.restart.peak_reconnect_pct_per_s_5s_mean, " %/s")}), ${fmt(r.restart.all_back_s, " s")}, ${r.failures} failures, load ${r.load_avg?.restart?.[0] ?? "?"}` : `run npm run fleet -- --devices ${n} --restart-broker-at 1`, n === 10000 ? "≤ 5 %/s, ≤ 120 s" : "≤ 5 %/s"];
  }),
  ["aedes SUBSCRIBEs with retained messages, stack index vs stock scan", measured.retained ? `${measured.retained.indexed_ms} vs ${measured.retained.stock_ms} ms (${measured.retained.speedup}×; ${measured.retained.subscribes} SUBSCRIBEs, ${measured.retained.retained} retained)` : "not measured", "no scan per SUBSCRIBE"],
  ["set commands handled per second on xsnap, info log formatted", xs ? `${xs.commands_per_s_info}/s at load ${xs.load} (best 100-command batch: ${xs.best_batch_per_s_info}/s; logging off: ${xs.commands_per_s_off}/s)` : "not measured", "≥ 15k"],
];
const w0 = Math.max(...rows.map((r) => r[0].length)), w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`\n${"figure".padEnd(w0)} | ${"this run".padEnd(w1)} | goal`);
console.log(`${"-".repeat(w0)}-|-${"-".repeat(w1)}-|-----`);
for (const r of rows) console.log(`${r[0].padEnd(w0)} | ${r[1].padEnd(w1)} | ${r[2]}`);
const json = { at: new Date().toISOString(), rows: rows.map(([figure, value, goal]) => ({ figure, value, goal })), measured, fleet: fleet ?? null, storm: storm ?? null };
writeFileSync(join(root, "build/bench/bench.json"), JSON.stringify(json, null, 1) + "\n");
console.log("\nwrote build/bench/bench.json");
