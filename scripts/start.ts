// npm start: the development stack and one device on this machine, a complete onboarding,
// the controller's rename and a switch toggle, then a timeline and the device's topic tree.
//   npm start                 cloud flow (discovery server → cloud broker; no local gateway)
//   npm start -- --local      local WPS flow (SH-GW found over mDNS on loopback)
//   npm start -- --guest      local guest Wi-Fi flow (WPS fails, guest SSID MQTT2GO)
//   npm start -- --keep       keep everything running afterwards (Ctrl-C to stop)
//   npm start -- --ui         also serve the controller page on 127.0.0.1, print its address and keep running
//   npm start -- --verbose    also print the stack's log
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Phase } from "../src/core/onboarding";
import { startNodeDevice } from "../hosts/node/device-host";
import { DEV_IDENTITY_DIR, loadUnit } from "../hosts/node/identity";
import { lineLog, silentLog } from "../stack/log";
import { startStack } from "../stack/index";
import { startControllerPage } from "../stack/ui/index";

const { values: a } = parseArgs({
  options: {
    local: { type: "boolean", default: false }, guest: { type: "boolean", default: false }, keep: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false }, ui: { type: "boolean", default: false },
  },
});
const flow = a.guest ? "guest" : a.local ? "local" : "cloud";
const t0 = performance.now();
const ms = () => Math.round(performance.now() - t0);
const out = (s: string) => process.stdout.write(s + "\n");

out(`MQTT2GO development run — ${flow} flow (device core on Node; real TLS brokers on 127.0.0.1${flow === "cloud" ? "" : ", mDNS on loopback"})`);
const stack = await startStack({ local: flow !== "cloud", mdnsPort: 25353 + (process.pid % 500), log: a.verbose ? lineLog() : silentLog });
const unit = loadUnit({ identityDir: DEV_IDENTITY_DIR });
const did = unit.identity.deviceId;
const stateDir = mkdtempSync(join(tmpdir(), "mqtt2go-start-"));
const controller = await stack.controller(flow === "cloud" ? "cloud" : "gateway");
const page = a.ui ? await startControllerPage(stack, { controller, target: flow === "cloud" ? "cloud" : "gateway" }) : undefined;
if (page) out(`Controller page: ${page.url}  (this unit's onboarding appears there live; add more units by their label)`);
const timeline: { at: number; what: string }[] = [];
const mark = (what: string) => { timeline.push({ at: ms(), what }); };

let reached: (() => void) | undefined;
let failed: ((why: string) => void) | undefined;
const operational = new Promise<void>((resolve, reject) => { reached = resolve; failed = (why) => reject(new Error(why)); });

mark(`controller: add_device (QR ${did}, type ${unit.identity.deviceType})`);
const setup = controller.setupResult(did, 20_000);
await controller.addDevice({ activationCode: unit.identity.activationCode, deviceId: did, deviceType: unit.identity.deviceType });
if (flow === "guest") for (let i = 0; i < 100 && !stack.radio.guestAvailable(); i++) await new Promise((r) => setTimeout(r, 20));

const host = startNodeDevice({
  unit, stateDir, radio: stack.radio, wps: flow === "guest" ? "fail" : "ok",
  discovery: { host: stack.discovery.host, port: stack.discovery.mqttPort },
  mdnsWindowMs: flow === "cloud" ? 1000 : 3000, mdnsPort: stack.gateway?.mdnsPort ?? 25353 + (process.pid % 500),
  log: (line) => out(`  device | ${line}`),
  onPhase: (p: Phase, s) => {
    mark(`device: ${p}`);
    if (p === "operational") reached?.();
    if (p === "unprovisioned") failed?.(`onboarding failed: ${s.reason}`);
  },
});

let code = 0;
try {
  await Promise.race([operational, new Promise((_, reject) => setTimeout(() => reject(new Error("no onboarding within 30 s")), 30_000))]);
  mark(`controller: setup_result ${await setup}`);
  await controller.awaitStatus(did, "online");
  await controller.rename(did, "Living-room socket", ["living-room"]);
  for (let i = 0; i < 100 && host.device.snapshot.record?.name !== "Living-room socket"; i++) await new Promise((r) => setTimeout(r, 10));
  mark(`controller: renamed → ${host.device.snapshot.record?.name ?? "?"}`);
  const on = await controller.command(did, "switch", "set", "on");
  mark(`controller: switch set on → ${on.kind === "confirmation" ? `confirmed ${JSON.stringify(on.value)}` : `error ${on.reason}`}`);
  const off = await controller.command(did, "switch", "set", "off");
  mark(`controller: switch set off → ${off.kind === "confirmation" ? `confirmed ${JSON.stringify(off.value)}` : `error ${off.reason}`}`);
  const about = await controller.about(did);
  mark(`controller: about → ${about.deviceName} [${about.groups.join(",")}] fw ${about.fwVersion}`);
  await new Promise((r) => setTimeout(r, 200));
} catch (e) {
  code = 1;
  out(`FAILED: ${(e as Error).message}`);
}

out("\nTimeline (ms since start)");
for (const t of timeline) out(`  ${String(t.at).padStart(6)}  ${t.what}`);
const prefix = `${controller.home}/${controller.gateway}/${did}/`;
const tree = new Map<string, string>();
for (const m of controller.received) if (m.topic.startsWith(prefix)) tree.set(m.topic, m.payload);
out(`\nTopic tree of ${did} (last message on each topic)`);
for (const [topic, payload] of [...tree].sort()) out(`  ${topic}  ${payload.length > 110 ? payload.slice(0, 107) + "..." : payload}`);
const first = timeline.find((t) => t.what === "device: operational");
out(`\n${code === 0 ? "OK" : "FAILED"}: ${flow} onboarding ${first ? `reached operational at ${first.at} ms` : "did not complete"}; total ${ms()} ms`);

if ((a.keep || a.ui) && code === 0) {
  out(page ? `Running; the controller page is at ${page.url} — Ctrl-C to stop.` : "Running; Ctrl-C to stop.");
  await new Promise<void>((r) => process.once("SIGINT", () => r()));
}
host.stop();
await page?.close();
await stack.close();
rmSync(stateDir, { recursive: true, force: true });
process.exit(code);
