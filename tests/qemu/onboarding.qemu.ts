// The firmware as a real ESP32-C3 image in Espressif's QEMU (machine esp32c3, open_eth NIC):
// builds the image (hosts/qemu), makes a unit (CA, broker certificate valid for 10.0.2.2, factory
// identity) and its factory partition with the project's tooling, merges one flash file, starts
// the development stack on the host (10.0.2.2 from inside QEMU's user-mode network) and checks:
//   1. onboarding: cloud activation → operational; rename and `switch set on` confirmed;
//      boot-to-operational time; XS and heap figures at every phase;
//   2. restart: QEMU started again on the same flash is operational from NVS, no activation traffic;
//   3. power cuts: SIGKILL at each credential-record write and at random moments of an onboarding,
//      then a boot on the same flash: the record is the old or the new one, the unit ends
//      operational or re-onboards cleanly (a table).
// Run: `npm run qemu` (options: --cuts=N random cuts, default 20; --skip-cuts; --no-build: boot the
// image build/qemu/mc holds from an earlier run; --quiet: no serial echo). Needs the
// toolchain of README "The QEMU target" in the environment; skipped with the reason otherwise.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createCa, createFactoryIdentity, issueServerCert, writeCa, writeIdentity, writeServer } from "../../stack/certs";
import type { Controller } from "../../stack/controller";
import { startStack, type Stack } from "../../stack/index";
import { formatLine, type LogFields } from "../../stack/log";
import {
  OTA_SLOT_BYTES, QemuRun, ROOT, buildImage, existingImage, factoryPartition, fileSize, mergeFlash, parseLine, staticMemory, toolchain,
  type Image, type Toolchain,
} from "./qemu";

const DEVICE_HOST = "10.0.2.2";
const OUT = join(ROOT, "build/qemu");
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const RANDOM_CUTS = args["skip-cuts"] ? 0 : Number(args.cuts ?? 20);
const ONBOARD_MS = Number(args["onboard-ms"] ?? 600_000);
const STEP_MS = 120_000;

interface StackEvent { at: number; component: string; event: string; fields: LogFields }

const t0 = Date.now();
const since = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (s: string): void => void process.stdout.write(`[qemu] ${s}\n`);
function fail(message: string): never {
  throw new Error(message);
}

interface Unit { id: string; code: string; type: string; dir: string }

/** A certs folder for the run: a new CA, a broker certificate valid for 127.0.0.1 and 10.0.2.2, and the first unit. */
function makeCerts(dir: string): Unit {
  rmSync(dir, { recursive: true, force: true });
  const ca = createCa("MQTT2GO QEMU test CA");
  writeCa(dir, ca);
  writeServer(dir, issueServerCert(ca, { ips: ["127.0.0.1", DEVICE_HOST] }));
  const id = createFactoryIdentity(ca, { deviceType: "socket", deviceId: "qemu-socket-0001" });
  const unitDir = writeIdentity(dir, id);
  return { id: id.deviceId, code: id.activationCode, type: id.deviceType, dir: unitDir };
}

/** A fresh flash file for `unit`: the image and its factory partition, NVS empty. */
function flashFor(t: Toolchain, image: Image, certs: string, unit: Unit, discoveryPort: number, name: string): string {
  const dir = join(OUT, "units", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const fctry = factoryPartition(t, unit.dir, join(certs, "ca/ca.der"), `${DEVICE_HOST}:${discoveryPort}`, join(dir, "fctry"));
  const flash = join(dir, "flash.bin");
  mergeFlash(image, fctry, flash);
  // The factory folder holds the unit's private key: only the partition image inside the flash file stays.
  rmSync(join(dir, "fctry"), { recursive: true, force: true });
  return flash;
}

/** Lines of the device's own log (not ESP-IDF's). */
function deviceEvents(run: QemuRun): ReturnType<typeof parseLine>[] {
  return run.lines.map((l) => parseLine(l.text)).filter((p) => p !== undefined);
}

function phases(run: QemuRun): string[] {
  const out: string[] = [];
  for (const p of deviceEvents(run)) if (p && out[out.length - 1] !== p.phase) out.push(p.phase);
  return out;
}

/** Reboot loops, aborts, panics and watchdog resets are failures wherever they happen. */
function crashes(run: QemuRun): string[] {
  return run.lines.map((l) => l.text).filter((s) => /Guru Meditation|abort\(\) was called|assert failed|Task watchdog got triggered|rst:0x[0-9a-f]+ \((?!POWERON)|XS abort|stack overflow/i.test(s));
}

async function until(run: QemuRun, re: RegExp, timeoutMs: number, from = 0): Promise<void> {
  const watch = new Promise<never>((_, reject) => {
    const timer = setInterval(() => {
      const c = crashes(run);
      if (c.length) { clearInterval(timer); reject(new Error(`crash on the target: ${c[0]}`)); }
    }, 250);
    void run.waitFor(re, timeoutMs, from).finally(() => clearInterval(timer)).catch(() => undefined);
  });
  await Promise.race([run.waitFor(re, timeoutMs, from), watch]);
}

interface MemoryRow { phase: string; fields: Record<string, string> }

function memoryRows(run: QemuRun): MemoryRow[] {
  return deviceEvents(run).filter((p) => p?.event === "memory").map((p) => ({ phase: p!.phase, fields: p!.fields }));
}

function printMemory(rows: MemoryRow[]): void {
  say("memory on the target at each phase (ESP32-C3 in QEMU; XS slot = 16 bytes; stack in slots, n/a = not instrumented):");
  say("  phase            chunk_peak  slot_peak  keys  heap_free  heap_min_free");
  for (const r of rows) {
    const f = r.fields;
    say(`  ${r.phase.padEnd(15)} ${String(f.chunk_peak).padStart(11)} ${String(f.slot_peak).padStart(10)} ${String(f.keys).padStart(5)} ${String(f.heap_free).padStart(10)} ${String(f.heap_min_free).padStart(14)}`);
  }
}

interface CutOutcome { moment: string; killedAt: string; record: string; end: string; ok: boolean }

async function main(): Promise<void> {
  const t = toolchain();
  if (typeof t === "string") {
    say(`SKIP: ${t}`);
    return;
  }

  // ---- image ----
  say("building: MQTT2GO_ESP32_HOST=qemu mcconfig -m -p esp32/esp32c3 -t build -o build/qemu/mc sntp=10.0.2.2");
  const built = args["no-build"] ? existingImage(join(OUT, "mc")) : buildImage(join(OUT, "mc"), { sntp: DEVICE_HOST }, {});
  if (!built.ok) {
    process.stdout.write(built.output.split("\n").slice(-60).join("\n") + "\n");
    fail("the QEMU image did not build");
  }
  const image = built.image;
  const appBytes = fileSize(image.app);
  const mem = staticMemory(image);
  say(`built in ${(image.ms / 1000).toFixed(0)} s: app ${appBytes} B (${((100 * appBytes) / OTA_SLOT_BYTES).toFixed(1)} % of the ${OTA_SLOT_BYTES / 1024} KiB OTA slot)` +
    (mem ? `; static IRAM ${mem.iram} B, DRAM ${mem.dram} B` : ""));

  // ---- unit and stack ----
  const certs = join(OUT, "certs");
  const unit = makeCerts(certs);
  const events: StackEvent[] = [];
  let stack: Stack | undefined;
  let controller: Controller | undefined;
  const runs: QemuRun[] = [];
  const cuts: CutOutcome[] = [];
  const problems: string[] = [];
  try {
    stack = await startStack({
      certsDir: certs,
      deviceHost: DEVICE_HOST,
      ttlMs: 60 * 60_000,
      log: (component, event, fields = {}) => {
        events.push({ at: Date.now(), component, event, fields });
        if (args.verbose) process.stdout.write(`[stack] ${formatLine(Date.now() - t0, component, event, fields)}\n`);
      },
    });
    const port = stack.discovery.mqttPort;
    say(`stack up on 127.0.0.1 (${DEVICE_HOST} from QEMU): discovery mqtts :${port}, cloud mqtts :${stack.cloud.port}`);
    controller = await stack.controller("cloud");
    const ctl = controller;
    const add = async (u: Unit): Promise<void> => {
      const n = events.length;
      await ctl.addDevice({ activationCode: u.code, deviceId: u.id, deviceType: u.type });
      for (let i = 0; i < 100 && !events.slice(n).some((e) => e.event === "activation_pending" && e.fields.device === u.id); i++) await new Promise((r) => setTimeout(r, 100));
    };

    let bootToOperational = 20_000;
    let restartMs = 0;
    if (!args["cuts-only"]) {
    // ---- 1. onboarding ----
    const flash = flashFor(t, image, certs, unit, port, "main");
    const setup = controller.setupResult(unit.id, ONBOARD_MS);
    setup.catch(() => undefined);
    await add(unit);
    const run1 = new QemuRun(t, flash, args.quiet ? undefined : "[dev1] ");
    runs.push(run1);
    await until(run1, / operational home=/, ONBOARD_MS);
    bootToOperational = Date.now() - run1.started;
    const opLine = deviceEvents(run1).find((p) => p?.event === "operational");
    const result = await setup;
    if (result !== "success") fail(`setup result ${result}`);
    const p1 = phases(run1);
    for (const p of ["wifi_wps", "discover", "activate_cloud", "connect", "home_prefix", "operational"]) if (!p1.includes(p)) fail(`run 1 never was in phase ${p} (${p1.join(" → ")})`);
    say(`1. operational ${(bootToOperational / 1000).toFixed(1)} s after QEMU started (device uptime ${opLine?.t ?? "?"} s); phases ${p1.join(" → ")}`);
    const mark1 = run1.lines.length;
    await controller.rename(unit.id, "QEMU plug", ["lab"]);
    await until(run1, / renamed name=/, STEP_MS, mark1);
    const reply = await controller.command(unit.id, "switch", "set", "on", STEP_MS);
    if (reply.kind !== "confirmation" || reply.value !== "on") fail(`switch set on: ${JSON.stringify(reply)}`);
    const about = await controller.about(unit.id, STEP_MS);
    if (about.deviceName !== "QEMU plug") fail(`about: name "${about.deviceName}"`);
    say(`   renamed ("${about.deviceName}") and switch on confirmed (${since()})`);
    const clockLines = run1.lines.filter((l) => / (clock\.|sntp\.)/.test(l.text)).map((l) => l.text.trim());
    say(`   clock: ${clockLines.slice(0, 6).join(" | ")}`);
    printMemory(memoryRows(run1));
    await run1.kill();

    // ---- 2. restart ----
    const mark = events.length;
    const run2 = new QemuRun(t, flash, args.quiet ? undefined : "[dev2] ");
    runs.push(run2);
    await until(run2, / operational home=/, STEP_MS * 2);
    restartMs = Date.now() - run2.started;
    const ev2 = deviceEvents(run2).map((p) => p!.event);
    if (!ev2.includes("boot.provisioned")) fail("run 2 did not boot provisioned");
    for (const e of ["onboarding.start", "init.connect", "request.sent", "wps.start"]) if (ev2.includes(e)) fail(`run 2 onboarded again (${e})`);
    const activation = events.slice(mark).filter((e) => e.component.startsWith("disc") || e.event === "home_prefix" || e.event === "setup_result");
    if (activation.length) fail(`activation traffic during run 2: ${activation.map((e) => `${e.component} ${e.event}`).join(", ")}`);
    say(`2. restart: operational ${(restartMs / 1000).toFixed(1)} s after QEMU started, from NVS; no activation traffic`);
    // Failures from here on are collected, so that the power cuts still run and the table is printed.
    const q = await controller.command(unit.id, "switch", "query", null, STEP_MS).catch((e: unknown) => ({ kind: "error" as const, reason: String(e) }));
    if (q.kind !== "confirmation" || q.value !== "on") problems.push(`switch query after restart: ${JSON.stringify(q)}`);
    else say(`   switch query after restart answered ${JSON.stringify(q.value)}`);
    await run2.kill();
    }

    // ---- 3. power cuts ----
    const only = args.moment ? Number(args.moment) : undefined;
    const moments: { moment: string; at: RegExp | number }[] = [
      { moment: "at write 1 (broker data)", at: / record\.commit broker=/ },
      { moment: "at write 2 (home prefix)", at: / home_prefix\.received / },
      { moment: "at write 3 (rename)", at: / renamed name=/ },
    ];
    const span = Math.max(10_000, bootToOperational);
    for (let i = 0; i < RANDOM_CUTS; i++) moments.push({ moment: `random ${i + 1}`, at: Math.floor(Math.random() * span) });
    for (const [i, m] of moments.entries()) {
      if (!stack) break;
      if (only !== undefined && i + 1 !== only) continue;
      const id = stack.createIdentity({ deviceType: "socket", deviceId: `qemu-cut-${String(i + 1).padStart(4, "0")}` });
      const u: Unit = { id: id.deviceId, code: id.activationCode, type: id.deviceType, dir: writeIdentity(certs, id) };
      const f = flashFor(t, image, certs, u, port, `cut-${i + 1}`);
      await add(u);
      const a = new QemuRun(t, f, args.verbose ? `[cut${i + 1}a] ` : undefined);
      runs.push(a);
      let killedAt = "";
      try {
        if (typeof m.at === "number") {
          await Promise.race([new Promise((r) => setTimeout(r, m.at as number)), a.waitFor(/ operational home=/, ONBOARD_MS)]);
        } else {
          if (m.moment.includes("rename")) {
            await until(a, / operational home=/, ONBOARD_MS);
            await controller.rename(u.id, `Cut ${i + 1}`, []);
          }
          await a.waitFor(m.at, ONBOARD_MS);
        }
      } catch (e) {
        killedAt = `(${e instanceof Error ? e.message : String(e)}) `;
      }
      await a.kill();
      const last = deviceEvents(a).at(-1);
      killedAt += `${(Date.now() - a.started) / 1000} s, phase ${last?.phase ?? "boot"}`;
      // Boot again on the same flash.
      const b = new QemuRun(t, f, args.verbose ? `[cut${i + 1}b] ` : undefined);
      runs.push(b);
      let record = "";
      let end = "";
      let ok = false;
      try {
        await until(b, / boot\.(provisioned|unprovisioned)| onboarding\.start| wps\.start/, STEP_MS);
        const boot = deviceEvents(b).find((p) => p && /^boot\.|^onboarding\.start$|^wps\.start$/.test(p.event));
        const notes = deviceEvents(b).filter((p) => p?.event === "record.note").map((p) => p!.fields.note);
        record = boot?.event === "boot.provisioned" ? `stored (prefix=${boot.fields.prefix})` : "none";
        if (notes.length) record += ` notes: ${notes.join("; ")}`;
        if (boot?.event !== "boot.provisioned") await add(u); // re-onboard: a fresh pending activation
        await until(b, / operational home=/, ONBOARD_MS);
        end = boot?.event === "boot.provisioned" ? "operational" : "re-onboarded, operational";
        ok = crashes(b).length === 0;
      } catch (e) {
        end = `FAILED: ${e instanceof Error ? e.message : String(e)}`;
      }
      await b.kill();
      cuts.push({ moment: m.moment, killedAt, record, end, ok });
      say(`3. cut ${i + 1}/${moments.length} ${m.moment}: killed at ${killedAt}; after reboot record ${record}; ${end}`);
    }
    if (cuts.length) {
      say("power cuts (SIGKILL), then a boot on the same flash:");
      say("  #  | moment                     | killed at                              | record after reboot        | end");
      for (const [i, c] of cuts.entries()) say(`  ${String(i + 1).padStart(2)} | ${c.moment.padEnd(26)} | ${c.killedAt.padEnd(38)} | ${c.record.padEnd(26)} | ${c.end}`);
      const bad = cuts.filter((c) => !c.ok);
      if (bad.length) problems.push(`${bad.length} of ${cuts.length} power cuts did not end operational`);
    }
    if (problems.length) fail(problems.join("; "));
    say(`PASS (${since()}); boot-to-operational ${(bootToOperational / 1000).toFixed(1)} s, restart-to-operational ${(restartMs / 1000).toFixed(1)} s`);
  } finally {
    for (const r of runs) await r.kill().catch(() => undefined);
    await controller?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
    if (existsSync(certs)) rmSync(join(OUT, "units"), { recursive: true, force: true });
    void readFileSync;
  }
}

main().then(
  () => { process.exitCode = 0; },
  (err: unknown) => {
    say(`FAIL: ${err instanceof Error ? err.message : String(err)} (${since()})`);
    process.exitCode = 1;
  },
);
