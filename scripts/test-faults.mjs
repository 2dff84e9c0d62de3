// npm run test:faults: the long fault-injection runs (tests/faults): outage matrix, power cuts,
// reconnect soak on Node, event soak on XS, malformed input on the Moddable simulator when
// $MODDABLE is set; then the secrets scan over every log they wrote, and the tables.
//   npm run test:faults [-- --grep=NAME]   env: POWER_CUTS, SOAK_CYCLES, SOAK_XS_EVENTS, FAULTS_OUTAGES, FAULTS_ONLY
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const grep = process.argv.slice(2).find((a) => a.startsWith("--grep="))?.slice(7) ?? "";
rmSync(process.env.MQTT2GO_TEST_LOGS ?? join(root, "build/test-logs"), { recursive: true, force: true }); // tests/e2e/log-files.ts
rmSync(join(root, "build/faults"), { recursive: true, force: true });
const tests = readdirSync(join(root, "tests/faults")).filter((f) => f.endsWith(".test.ts") && f.includes(grep)).sort().map((f) => `tests/faults/${f}`);
const results = [];
const run = (name, cmd, argv) => {
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit" });
  results.push([name, r.status === 0]);
};
// --test-force-exit: a failed cell may leave a client reconnecting; the run must still end.
run("fault tests (node:test)", process.execPath, ["--import", "tsx", "--test", "--test-force-exit", "--test-concurrency=1", "--test-reporter=spec", ...tests]);
if (!grep || "sim".includes(grep)) {
  if (process.env.MODDABLE) run("malformed input on the Moddable simulator", process.execPath, ["--import", "tsx", "tests/sim/malformed.sim.ts"]);
  else console.log("\nSKIP malformed input on the simulator: $MODDABLE is not set");
}
run("secrets scan over every log the fault tests wrote", process.execPath, ["--import", "tsx", "scripts/scan-logs.ts"]);
const dir = join(root, "build/faults");
if (existsSync(dir)) for (const f of readdirSync(dir).filter((x) => x.endsWith(".md")).sort()) console.log(`\n## ${f}\n${readFileSync(join(dir, f), "utf8")}`);
for (const [name, ok] of results) console.log(`${ok ? "PASS" : "FAIL"} ${name}`);
process.exitCode = results.every(([, ok]) => ok) ? 0 : 1;
