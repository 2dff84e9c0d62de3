// The firmware on the real XS engine with real Moddable TLS and MQTT: builds it for the desktop
// simulator, starts the development stack in-process, lets the controller start a cloud
// onboarding for the default development identity (certs/dev), runs mcsim headless until the
// device is operational, renames it and switches it on; then a second mcsim run (a restart)
// must reconnect from the stored preferences without any activation traffic. Last, two builds
// that must be refused (foreign CA → reason tls, CONNECT refused → reason auth).
// Run: `npm run sim` (or `node --import tsx tests/sim/onboarding.sim.ts`); needs $MODDABLE.
// `npm run sim -- --memory` builds the instrumented variant (mcconfig -i) and prints the XS memory
// high-water marks of the onboarding (README: "Memory on the simulator").
// Exit 0 on success, 1 with the reason otherwise.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Stack } from "../../stack/index";
import type { Controller } from "../../stack/controller";
import { SETUP_SUCCESS } from "../../stack/home-service";
import { formatLine, type LogFields } from "../../stack/log";
import { ROOT, SimRun, buildFirmware, missingTools, sdk } from "./mcsim";

/** A certs folder as stack/gen-certs writes it; default certs/dev (MQTT2GO_CERTS overrides, for both the stack and the build). */
const CERTS_DIR = process.env.MQTT2GO_CERTS ?? join(ROOT, "certs/dev");
const IDENTITY_DIR = join(CERTS_DIR, "identities/dev-socket-0001");
const OPERATIONAL_WITHIN_MS = 120_000;
const STEP_MS = 30_000;
const MEMORY = process.argv.includes("--memory");

interface StackEvent { at: number; component: string; event: string; fields: LogFields }

const t0 = Date.now();
const since = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (s: string): void => void process.stdout.write(`[sim] ${s}\n`);

function fail(message: string): never {
  throw new Error(message);
}

/** Phase and event of a device log line `[   12.345] phase     [LEVEL ]event fields…`. */
function parseLine(text: string): { t: number; phase: string; event: string } | undefined {
  const m = /^\[\s*(\d+\.\d{3})\]\s(\S+)\s+(?:(?:DEBUG|WARN|ERROR)\s)?(\S+)/.exec(text);
  return m ? { t: Number(m[1]), phase: m[2], event: m[3] } : undefined;
}

function phasesOf(run: SimRun, n: number): string[] {
  const out: string[] = [];
  for (const l of run.lines) {
    if (l.run !== n) continue;
    const p = parseLine(l.text);
    if (p && out[out.length - 1] !== p.phase) out.push(p.phase);
  }
  return out;
}

function eventsOf(run: SimRun): string[] {
  return run.lines.map((l) => parseLine(l.text)?.event).filter((e): e is string => e !== undefined);
}

/** Waits for `re`; gives up early after 3 TLS/auth failures (they will not heal by themselves here). */
async function untilOrFail(run: SimRun, re: RegExp, timeoutMs: number): Promise<void> {
  const failures = (): string[] => run.lines.filter((l) => /session\.closed reason=(tls|auth)/.test(l.text)).map((l) => l.text);
  const watch = new Promise<never>((_, reject) => {
    const timer = setInterval(() => {
      const f = failures();
      if (f.length >= 3) { clearInterval(timer); reject(new Error(`device keeps failing to connect: ${f[f.length - 1].trim()}`)); }
    }, 250);
    void run.waitFor(re, timeoutMs).finally(() => clearInterval(timer)).catch(() => undefined);
  });
  await Promise.race([run.waitFor(re, timeoutMs), watch]);
}

/** Resolves when a payload_too_large error reaches the controller on `topic` (60 s at most: XS TLS reads 1 MB slowly). */
function tooLarge(controller: Controller, topic: string): Promise<void> {
  const seen: string[] = [];
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error(`no payload_too_large error on ${topic} within 60 s; seen: ${seen.join(" | ")}`)); }, 60_000);
    const stop = controller.onMessage((m) => {
      if (m.topic !== topic) return;
      seen.push(m.payload.slice(0, 120));
      if (m.payload.includes('"payload_too_large"')) { clearTimeout(timer); stop(); resolve(); }
    });
  });
}

/** A throwaway self-signed CA the stack's servers do not chain to. */
function makeOtherCa(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-subj", "/CN=Not the MQTT2GO CA",
    "-days", "3650", "-outform", "DER", "-out", join(dir, "ca.der")], { encoding: "utf8" });
  if (r.status !== 0) fail(`openssl could not make a foreign CA: ${r.stderr}`);
}

/** The device's `memory` line at operational (hosts/sim/host.ts), and the ESP32 budget it suggests. */
function reportMemory(line: { text: string }): void {
  const f = Object.fromEntries([...line.text.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], Number(m[2])]));
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  say(`XS memory at operational (64-bit host, slot = ${f.slot_bytes} bytes):`);
  say(`  chunk heap: peak ${f.chunk_peak} bytes (${kib(f.chunk_peak)}), reserved ${f.chunk_reserved}`);
  say(`  slot heap:  peak ${f.slot_peak} slots (${kib(f.slot_peak * f.slot_bytes)} here, ${kib(f.slot_peak * 16)} at 16 bytes/slot on ESP32), reserved ${f.slot_reserved} slots`);
  say(`  stack:      peak ${Number.isNaN(f.stack_peak) ? "n/a (build with -i)" : `${f.stack_peak} slots`} of ${f.stack_size}; keys ${f.keys}`);
}

async function main(): Promise<void> {
  const s = sdk();
  if (!s) {
    say("SKIP: $MODDABLE is not set (point it at a Moddable SDK checkout with its Linux tools built; see README)");
    return;
  }
  const missing = missingTools();
  if (missing.length) fail(`missing tools: ${missing.join(", ")} (install xvfb and coreutils; put $MODDABLE/build/bin/lin/release on PATH)`);

  // Moddable's CertificateManager.verify (modules/crypt/ssl/ssl_cert.js:165, SDK 8.2.3) looks up the
  // authorityKeyIdentifier of the top certificate of the server's chain; without one it throws
  // "TypeError: invalid buffer (in comp)" and every handshake fails. Say so instead of timing out.
  const caDer = readFileSync(join(CERTS_DIR, "ca/ca.der"));
  if (!caDer.includes(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]))) {
    fail(`${join(CERTS_DIR, "ca/ca.pem")} has no authorityKeyIdentifier extension: the Moddable TLS client cannot verify a chain ending in it ` +
      "(ssl_cert.js verify throws \"invalid buffer (in comp)\"). The CA must carry AKI = its own SKI; regenerate the certs folder");
  }
  const identity = JSON.parse(readFileSync(join(IDENTITY_DIR, "identity.json"), "utf8")) as { device_id: string; activation_code: string; device_type: string };
  const did = identity.device_id;

  const events: StackEvent[] = [];
  let stack: Stack | undefined;
  let controller: Controller | undefined;
  const runs: SimRun[] = [];
  try {
    stack = await startStack({
      certsDir: CERTS_DIR,
      log: (component, event, fields = {}) => {
        events.push({ at: Date.now(), component, event, fields });
        process.stdout.write(`[stack] ${formatLine(Date.now() - t0, component, event, fields)}\n`);
      },
    });
    say(`stack up: discovery mqtts 127.0.0.1:${stack.discovery.mqttPort}, cloud mqtts 127.0.0.1:${stack.cloud.port} (${since()})`);

    // The default development identity is embedded by the manifest; only the discovery address is the test's.
    const outDir = join(ROOT, "build/mcconfig");
    say(`building: mcconfig${MEMORY ? " -i" : ""} -m -p lin -o build/mcconfig discovery=127.0.0.1:${stack.discovery.mqttPort}`);
    const build = buildFirmware(s, outDir, { discovery: `127.0.0.1:${stack.discovery.mqttPort}` }, MEMORY ? ["-i"] : [],
      { MQTT2GO_CA: join(CERTS_DIR, "ca"), MQTT2GO_IDENTITY: IDENTITY_DIR });
    if (!build.ok) {
      process.stdout.write(build.output.split("\n").filter((l) => !l.startsWith("# ")).slice(-40).join("\n") + "\n");
      fail(`mcconfig failed after ${build.ms} ms`);
    }
    say(`built ${build.so} in ${(build.ms / 1000).toFixed(1)} s`);

    controller = await stack.controller("cloud");
    const setup = controller.setupResult(did, OPERATIONAL_WITHIN_MS);
    setup.catch(() => undefined); // awaited below; a failure before that must not be unhandled
    await controller.addDevice({ activationCode: identity.activation_code, deviceId: did, deviceType: identity.device_type });
    for (let i = 0; i < 50 && !events.some((e) => e.event === "activation_pending" && e.fields.device === did); i++) await new Promise((r) => setTimeout(r, 100));
    if (!events.some((e) => e.event === "activation_pending")) fail("the cloud did not register the activation with the discovery server");

    // ---- run 1: unprovisioned → cloud onboarding → operational ----
    const cwd = mkdtempSync(join(tmpdir(), "mqtt2go-sim-"));
    const r1Start = Date.now();
    const run1 = new SimRun(s, { so: build.so, cwd, limitS: 240, echo: "[dev1] " });
    runs.push(run1);
    await untilOrFail(run1, / operational home=/, OPERATIONAL_WITHIN_MS);
    const r1Operational = Date.now() - r1Start;
    const result = await setup;
    if (result !== SETUP_SUCCESS) fail(`setup result ${result}, expected ${SETUP_SUCCESS}`);
    const phases1 = phasesOf(run1, 1);
    for (const p of ["wifi_wps", "discover", "activate_cloud", "connect", "home_prefix", "operational"]) {
      if (!phases1.includes(p)) fail(`run 1 never was in phase ${p} (phases: ${phases1.join(" → ")})`);
    }
    if (MEMORY) reportMemory(await run1.waitFor(/ memory chunk_peak=/, STEP_MS));
    say(`run 1 operational after ${(r1Operational / 1000).toFixed(1)} s; phases ${phases1.join(" → ")}; setup result ${result}`);

    const beforeRename = run1.lines.length;
    await controller.rename(did, "Sim plug", ["living-room"]);
    await run1.waitFor(/ renamed name=/, STEP_MS, beforeRename);
    const about = await controller.about(did, STEP_MS);
    if (about.deviceName !== "Sim plug") fail(`about reports name "${about.deviceName}", expected "Sim plug"`);
    const reply = await controller.command(did, "switch", "set", "on", STEP_MS);
    if (reply.kind !== "confirmation" || reply.value !== "on") fail(`switch set on: ${JSON.stringify(reply)}`);
    say(`renamed (about: name "${about.deviceName}", groups ${about.groups.join(",")}), switch on confirmed (${since()})`);

    // ---- a 1 MB retained command (issue 8 item 6): refused from its fixed header, answered payload_too_large ----
    const p = controller.prefix(did);
    const switchIn = `${p.home}/${p.gateway}/${did}/switch/in`, switchOut = `${p.home}/${p.gateway}/${did}/switch/out`;
    const huge = JSON.stringify({ type: "set", timestamp: 0, value: "x".repeat(1 << 20) });
    const beforeHuge = run1.lines.length;
    const errorSeen = tooLarge(controller, switchOut);
    await controller.publish(switchIn, huge, true);
    await run1.waitFor(/command\.invalid entity=switch reason=oversized/, 60_000, beforeHuge);
    await errorSeen;
    const after = await controller.command(did, "switch", "query", null, STEP_MS);
    if (after.kind !== "confirmation") fail(`switch query after the 1 MB message: ${JSON.stringify(after)}`);
    say(`1 MB retained message on switch/in refused (payload_too_large), still operational (${since()})`);
    await run1.stop();

    const prefs = join(cwd, ".state/sim/modpreferences.json");
    if (!existsSync(prefs)) fail(`no preferences at ${prefs}`);
    const stored = readFileSync(prefs, "utf8");
    if (stored.includes("PRIVATE KEY")) fail("a private key ended up in the preferences");

    // ---- run 2: restart from the stored preferences ----
    const mark = events.length;
    const r2Start = Date.now();
    const run2 = new SimRun(s, { so: build.so, cwd, limitS: 120, echo: "[dev2] " });
    runs.push(run2);
    await untilOrFail(run2, / operational home=/, 60_000);
    const r2Operational = Date.now() - r2Start;
    const ev2 = eventsOf(run2);
    if (!ev2.includes("boot.provisioned")) fail("run 2 did not boot provisioned");
    for (const e of ["onboarding.start", "init.connect", "request.sent", "wps.start"]) if (ev2.includes(e)) fail(`run 2 onboarded again (${e})`);
    const activation = events.slice(mark).filter((e) => e.component.startsWith("disc") || e.event === "home_prefix" || e.event === "setup_result");
    if (activation.length) fail(`activation traffic during run 2: ${activation.map((e) => `${e.component} ${e.event}`).join(", ")}`);
    // The 1 MB message is still retained: every reconnect gets it, and it is refused again before allocation.
    const errorAgain = tooLarge(controller, switchOut);
    await run2.waitFor(/command\.invalid entity=switch reason=oversized/, 60_000);
    await errorAgain;
    await controller.publish(switchIn, "", true); // clear the retained message
    const query = await controller.command(did, "switch", "query", null, STEP_MS);
    if (query.kind !== "confirmation") fail(`switch query after restart: ${JSON.stringify(query)}`);
    const phases2 = phasesOf(run2, 1);
    say(`run 2 operational after ${(r2Operational / 1000).toFixed(1)} s from stored preferences; phases ${phases2.join(" → ")}; no activation traffic; switch query answered ${JSON.stringify(query.value)}`);
    await run2.stop();

    // ---- refusals on the real TLS/MQTT stack: reported with their reason, never a crash ----
    const fast = { discovery: `127.0.0.1:${stack.discovery.mqttPort}`, sim_wps_delay_ms: 100, mdns_window_ms: 500 };
    const otherCa = join(ROOT, "build/sim-other-ca");
    if (!existsSync(join(otherCa, "ca.der"))) makeOtherCa(otherCa);
    const cases = [
      { what: "server certificate from a foreign CA", config: fast, env: { MQTT2GO_CA: otherCa, MQTT2GO_IDENTITY: IDENTITY_DIR }, expect: /session\.closed reason=tls detail="TLS: certificate: auth err"/ },
      { what: "CONNECT refused (client id does not match the certificate)", config: { ...fast, device_id: "dev-other-0002" }, env: { MQTT2GO_CA: join(CERTS_DIR, "ca"), MQTT2GO_IDENTITY: IDENTITY_DIR }, expect: /session\.closed reason=auth detail="CONNACK 5/ },
    ];
    for (const c of cases) {
      const b = buildFirmware(s, join(ROOT, "build/mcconfig-refusals"), c.config, [], c.env);
      if (!b.ok) fail(`mcconfig failed for "${c.what}"`);
      const run = new SimRun(s, { so: b.so, cwd: mkdtempSync(join(tmpdir(), "mqtt2go-sim-")), limitS: 60, echo: "[dev3] " });
      runs.push(run);
      const line = await run.waitFor(/session\.closed/, 30_000);
      await run.stop();
      if (!c.expect.test(line.text)) fail(`${c.what}: expected ${String(c.expect)}, got: ${line.text.trim()}`);
      say(`refusal reported: ${c.what} → ${/reason=\S+ detail="[^"]*"/.exec(line.text)?.[0] ?? line.text}`);
    }
    say(`PASS (${since()})`);
  } finally {
    for (const r of runs) await r.stop().catch(() => undefined);
    await controller?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
  }
}

main().then(
  () => { process.exitCode = 0; },
  (err: unknown) => {
    say(`FAIL: ${err instanceof Error ? err.message : String(err)} (${since()})`);
    process.exitCode = 1;
  },
);
