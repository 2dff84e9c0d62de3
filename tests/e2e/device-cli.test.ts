// The mqtt2go-device command line against the development stack.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DEV_IDENTITY_DIR, ROOT, loadUnit } from "../../hosts/node/identity";
import { startStack, type Stack } from "../../stack/index";

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "hosts/node/bin.mjs"), ...args], { cwd: ROOT });
    let stdout = "", stderr = "";
    // A CLI that never exits is a failure too (code null).
    const kill = setTimeout(() => child.kill("SIGKILL"), 45_000);
    child.stdout.on("data", (d) => { stdout += String(d); });
    child.stderr.on("data", (d) => { stderr += String(d); });
    child.on("close", (code) => { clearTimeout(kill); resolve({ code, stdout, stderr }); });
  });
}

describe("mqtt2go-device CLI", () => {
  let stack: Stack;
  let state: string;
  const unit = loadUnit({ identityDir: DEV_IDENTITY_DIR });
  before(async () => {
    stack = await startStack({ mdnsPort: 26353 + (process.pid % 500) });
    state = mkdtempSync(join(tmpdir(), "mqtt2go-cli-"));
  });
  after(async () => {
    await stack.close();
    rmSync(state, { recursive: true, force: true });
  });

  test("--until operational exits 0 after a cloud onboarding; the JSON log has phases and no secret", async () => {
    const c = await stack.controller("cloud");
    await c.addDevice({ activationCode: unit.identity.activationCode, deviceId: unit.identity.deviceId, deviceType: unit.identity.deviceType });
    const r = await run(["--discovery", `127.0.0.1:${stack.discovery.mqttPort}`, "--state", state, "--mdns-window", "300",
      "--mdns-port", String(26353 + (process.pid % 500)), "--until", "operational", "--timeout", "20000", "--log", "json"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /reached operational/);
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("{"));
    const phases = new Set(lines.map((l) => (JSON.parse(l) as { phase: string }).phase));
    for (const p of ["wifi_wps", "discover", "activate_cloud", "home_prefix", "operational"]) assert.ok(phases.has(p), p);
    assert.ok(!r.stdout.includes(unit.identity.activationCode), "activation code masked");
  });

  test("a provisioned state folder goes straight to operational", async () => {
    const r = await run(["--discovery", `127.0.0.1:${stack.discovery.mqttPort}`, "--state", state, "--until", "operational", "--timeout", "20000"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /activate_cloud|GET_BROKER_DATA/);
  });

  test("an unknown activation code keeps the unit asking; the closed window exits nonzero with the reason", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "mqtt2go-cli-"));
    try {
      const r = await run(["--discovery", `127.0.0.1:${stack.discovery.mqttPort}`, "--state", fresh, "--code", "NOTPENDING1", "--mdns-window", "300",
        "--mdns-port", String(26353 + (process.pid % 500)), "--window", "2500", "--until", "operational", "--timeout", "20000"]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /reply\.refused/);
      assert.match(r.stderr, /onboarding failed: activation_expired/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("without --until a failed onboarding still exits nonzero (issue 8 item 13)", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "mqtt2go-cli-"));
    try {
      const r = await run(["--discovery", "127.0.0.1:9", "--state", fresh, "--mdns-window", "300",
        "--mdns-port", String(26353 + (process.pid % 500)), "--window", "1500"]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /onboarding failed: activation_expired/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("bad arguments are refused with a clear message", async () => {
    const r = await run(["--wps", "sometimes"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--wps is ok, fail or timeout/);
  });
});
