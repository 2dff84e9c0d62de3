// `npm run fleet`: the real command, run small. Units in two processes onboard against the stack;
// on mosquitto (where installed) the cloud broker is restarted and every unit must come back.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { mosquittoAvailable } from "../../stack/mosquitto";
import { ROOT } from "../../hosts/node/identity";

interface FleetJson {
  summary: {
    devices: number; procs: number; failures: number; operational_at_end: number; identities_made: number;
    memory_per_unit_kib: { rss: number }; cpu_s: { units: number };
    restart: null | { all_back_s: number | null; peak_reconnect_pct_per_s: number; peak_at_s: number };
  };
  storm_connects_per_s: number[] | null;
  samples: Array<{ t: number; connectsPerS: number; operational: number }>;
}

const out = mkdtempSync(join(tmpdir(), "mqtt2go-fleet-test-"));
after(() => rmSync(out, { recursive: true, force: true }));

function fleet(args: string[]): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(ROOT, "hosts/node/fleet.ts"), ...args, "--out", out], { cwd: ROOT });
    let log = "";
    p.stdout.on("data", (d) => { log += d; });
    p.stderr.on("data", (d) => { log += d; });
    p.on("exit", (code) => resolve({ code, log }));
  });
}

describe("npm run fleet", () => {
  test("24 units in 2 unit processes onboard on aedes; summary, samples and plot written", { timeout: 120_000 }, async () => {
    const r = await fleet(["--devices", "24", "--procs", "2", "--broker", "aedes", "--rate", "40"]);
    assert.equal(r.code, 0, r.log);
    const j = JSON.parse(readFileSync(join(out, "fleet-24.json"), "utf8")) as FleetJson;
    assert.equal(j.summary.devices, 24);
    assert.equal(j.summary.procs, 2);
    assert.equal(j.summary.failures, 0);
    assert.equal(j.summary.operational_at_end, 24);
    assert.equal(j.summary.restart, null);
    assert.ok(j.summary.cpu_s.units > 0, "the unit processes report their CPU time");
    // Each unit connects at least twice (activation broker session, then the Last-Will reconnect).
    assert.ok(j.samples.reduce((n, s) => n + s.connectsPerS, 0) >= 48, JSON.stringify(j.samples));
    assert.equal(Math.max(...j.samples.map((s) => s.operational)), 24);
    assert.match(readFileSync(join(out, "fleet-24.svg"), "utf8"), /^<svg/);
    assert.match(r.log, /2 unit processes/);
  });

  test("a second run reuses the identities kept in the output folder", { timeout: 120_000 }, async () => {
    const r = await fleet(["--devices", "10", "--procs", "1", "--broker", "aedes"]);
    assert.equal(r.code, 0, r.log);
    const j = JSON.parse(readFileSync(join(out, "fleet-10.json"), "utf8")) as FleetJson;
    assert.equal(j.summary.identities_made, 0);
    assert.equal(j.summary.failures, 0);
  });

  test("bad options are refused with a clear message", async () => {
    const r = await fleet(["--devices", "0"]);
    assert.equal(r.code, 2);
    assert.match(r.log, /--devices wants a number ≥ 1, got "0"/);
    const s = await fleet(["--devices", "5", "--broker", "aedes", "--restart-broker-at", "1"]);
    assert.equal(s.code, 2);
    assert.match(s.log, /--restart-broker-at needs --broker mosquitto/);
  });

  const skip = mosquittoAvailable() ? false : "mosquitto is not installed (apt-get install mosquitto)";
  test("mosquitto restarted under 40 units: every unit reconnects after the restart, spread over the first seconds", { skip, timeout: 180_000 }, async () => {
    const r = await fleet(["--devices", "40", "--procs", "2", "--broker", "mosquitto", "--restart-broker-at", "1"]);
    assert.equal(r.code, 0, r.log);
    assert.ok(existsSync(join(out, "fleet-40-storm.svg")));
    const j = JSON.parse(readFileSync(join(out, "fleet-40-storm.json"), "utf8")) as FleetJson;
    assert.equal(j.summary.failures, 0);
    assert.ok(j.summary.restart && j.summary.restart.all_back_s !== null, JSON.stringify(j.summary.restart));
    const bins = j.storm_connects_per_s!;
    // Every unit's session ended at the restart, so each connects again at least once after it.
    assert.ok(bins.reduce((n, x) => n + x, 0) >= 40, bins.join(" "));
    // The first reconnect is spread over [0, 20 s) (PROTOCOL §10): not all in the first seconds.
    assert.ok(bins.slice(0, 3).reduce((n, x) => n + x, 0) < 40, bins.join(" "));
  });
});
