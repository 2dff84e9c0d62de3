// The firmware as a real ESP32-C3 image in Espressif's QEMU (machine esp32c3, open_eth NIC):
// builds the image (hosts/qemu), makes a unit (CA, broker certificate valid for 10.0.2.2, factory
// identity) and its factory partition with the project's tooling, merges one flash file, starts
// the development stack on the host (10.0.2.2 from inside QEMU's user-mode network) and checks:
//   1. onboarding: cloud activation → operational; rename and `switch set on` confirmed; deeply
//      nested and oversized payloads answered with an error, the unit still answering after them;
//      boot-to-operational time; XS and heap figures at every phase, within the `creation` budget;
//   2. restart: QEMU started again on the same flash is operational from NVS, no activation
//      traffic, and answers `switch query` (the relay powers up off) and `switch set on`;
//   3. power cuts: SIGKILL around each of the 3 credential-record writes (at the moment the log
//      shows it, a random 0-300 ms and 300-900 ms later) and at random moments of an onboarding, then a
//      boot on the same flash: the record is the one from before or after the last write begun,
//      and the unit ends operational (resumed, or re-onboarded on its still-pending activation)
//      and answers a command; a table.
// Run: `npm run qemu`. Options: --cuts=N random cuts (default 20); --skip-cuts; --cuts-only;
// --moment=N one cut; --no-build (boot the image build/qemu/mc holds); --measure (build with
// hosts/qemu/creation-measure.json: small XS heaps that grow, to measure what the app needs;
// the budget is then not asserted); --verbose (stack log, every run's serial lines); --quiet.
// Needs the toolchain of README "The QEMU target"; skipped with the reason otherwise.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createCa, createFactoryIdentity, issueServerCert, writeCa, writeIdentity, writeServer } from "../../stack/certs";
import type { Controller } from "../../stack/controller";
import { startStack, type Stack } from "../../stack/index";
import { formatLine, type LogFields } from "../../stack/log";
import { decodeStatus } from "../../src/core/messages";
import { entityIn, entityOut, statusOut } from "../../src/core/topics";
import {
  OTA_SLOT_BYTES, QemuRun, ROOT, buildImage, existingImage, factoryPartition, fileSize, mergeFlash, parseLine, staticMemory, toolchain,
  type Image, type Toolchain,
} from "./qemu";

const DEVICE_HOST = "10.0.2.2";
const OUT = join(ROOT, "build/qemu");
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const RANDOM_CUTS = args["skip-cuts"] ? 0 : Number(args.cuts ?? 20);
const ONBOARD_MS = Number(args["onboard-ms"] ?? 300_000);
const STEP_MS = 120_000;
/** The image's build settings (README: The QEMU target): SNTP at the host, where nothing answers; a memory line every 10 s. */
const BUILD_CONFIG = { sntp: DEVICE_HOST, memory_log_ms: 10_000 };
const MEASURE_CREATION = join(ROOT, "hosts/qemu/creation-measure.json");

interface StackEvent { at: number; component: string; event: string; fields: LogFields }

const t0 = Date.now();
const since = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (s: string): void => void process.stdout.write(`[qemu] ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
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

type Parsed = NonNullable<ReturnType<typeof parseLine>>;

/** Lines of the device's own log (not ESP-IDF's). */
function deviceEvents(run: QemuRun): Parsed[] {
  return run.lines.map((l) => parseLine(l.text)).filter((p): p is Parsed => p !== undefined);
}

function phases(run: QemuRun): string[] {
  const out: string[] = [];
  for (const p of deviceEvents(run)) if (out[out.length - 1] !== p.phase) out.push(p.phase);
  return out;
}

/** Reboot loops, aborts, panics and watchdog resets are failures wherever they happen. */
function crashes(run: QemuRun): string[] {
  return run.lines.map((l) => l.text).filter((s) => /Guru Meditation|abort\(\) was called|assert failed|Task watchdog got triggered|rst:0x[0-9a-f]+ \((?!POWERON)|XS abort|stack overflow|# Chunk allocation: failed|native stack overflow/i.test(s));
}

async function until(run: QemuRun, re: RegExp, timeoutMs: number, from = 0): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const watch = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const c = crashes(run);
      if (c.length) reject(new Error(`crash on the target: ${c[0]}`));
    }, 250);
  });
  try {
    await Promise.race([run.waitFor(re, timeoutMs, from), watch]);
  } finally {
    clearInterval(timer);
  }
}

/**
 * The device's `status/out` "online" as the controller receives it from now on. The device
 * subscribes to its command topics before it publishes this on the same connection, and the broker
 * handles a client's packets in order, so once it arrived a command reaches the device. The
 * device's own `operational` log line does not say that: it is written when the SUBSCRIBE is
 * sent, and a command published before the broker has handled it is dropped (QoS 0, no
 * subscriber), which is why `switch query` after a restart once got no answer.
 */
function online(ctl: Controller, id: string, timeoutMs: number): Promise<void> {
  const p = ctl.next(statusOut(ctl.prefix(id)), (payload) => {
    const s = decodeStatus(payload);
    return s.ok && s.value.status === "online" ? true : undefined;
  }, timeoutMs, true).then(() => undefined);
  p.catch(() => undefined);
  return p;
}

interface MemoryRow { phase: string; t: number; f: Record<string, string> }

function memoryRows(run: QemuRun): MemoryRow[] {
  return deviceEvents(run).filter((p) => p.event === "memory").map((p) => ({ phase: p.phase, t: p.t, f: p.fields }));
}

function printMemory(title: string, rows: MemoryRow[]): void {
  say(`${title} (XS slot = 16 bytes; stack in slots; native = least free bytes of the XS task's C stack):`);
  say("   uptime  phase           chunk_peak/reserved  slot_peak/reserved  stack_peak/size  native_free_min  keys  heap_free  heap_min_free");
  for (const r of rows) {
    const f = r.f;
    say(`  ${r.t.toFixed(1).padStart(7)}  ${r.phase.padEnd(14)} ${`${f.chunk_peak}/${f.chunk_reserved}`.padStart(20)} ${`${f.slot_peak}/${f.slot_reserved}`.padStart(19)} ${`${f.stack_peak}/${f.stack_size}`.padStart(16)} ${String(f.native_stack_free_min).padStart(16)} ${String(f.keys).padStart(5)} ${String(f.heap_free).padStart(10)} ${String(f.heap_min_free).padStart(14)}`);
  }
}

interface Creation { chunk: { initial: number }; heap: { initial: number }; stack: number }

/** The budget held: no XS heap grew past its initial size, the stack kept a margin, the C stack too. */
function budgetProblems(rows: MemoryRow[], c: Creation, what: string): string[] {
  const out: string[] = [];
  const last = rows.at(-1);
  if (!last) return [`${what}: no memory line`];
  const n = (k: string): number => Number(last.f[k]);
  if (n("chunk_reserved") > c.chunk.initial) out.push(`${what}: the chunk heap grew to ${n("chunk_reserved")} B (budget ${c.chunk.initial})`);
  if (n("slot_reserved") > c.heap.initial) out.push(`${what}: the slot heap grew to ${n("slot_reserved")} slots (budget ${c.heap.initial})`);
  if (n("stack_peak") > 0.9 * c.stack) out.push(`${what}: XS stack peak ${n("stack_peak")} of ${c.stack} slots`);
  if (n("native_stack_free_min") < 1536) out.push(`${what}: the XS task's C stack had only ${n("native_stack_free_min")} B free`);
  return out;
}

/** Where a power cut is made. */
type Moment =
  | { label: string; write: 1 | 2 | 3; offsetMs: number }
  | { label: string; atMs: number };

/** What the unit holds, as its boot and first `operational` line show it. */
type RecordState = "none" | "credentials" | "prefix" | "renamed";
const STATES: readonly RecordState[] = ["none", "credentials", "prefix", "renamed"];

interface CutOutcome { n: number; moment: string; killedAt: string; before: string; record: string; end: string; ok: boolean }

async function main(): Promise<void> {
  const t = toolchain();
  if (typeof t === "string") {
    say(`SKIP: ${t}`);
    return;
  }
  const measure = args.measure === "true";

  // ---- image ----
  const config = Object.entries(BUILD_CONFIG).map(([k, v]) => `${k}=${v}`).join(" ");
  say(`building: ${measure ? `MQTT2GO_XS_CREATION=${MEASURE_CREATION} ` : ""}MQTT2GO_ESP32_HOST=qemu mcconfig -m -p esp32/esp32c3 -t build -o build/qemu/mc ${config}`);
  const built = args["no-build"] ? existingImage(join(OUT, "mc")) : buildImage(join(OUT, "mc"), BUILD_CONFIG, measure ? { MQTT2GO_XS_CREATION: MEASURE_CREATION } : {});
  if (!built.ok) {
    process.stdout.write(built.output.split("\n").slice(-60).join("\n") + "\n");
    fail("the QEMU image did not build");
  }
  const image = built.image;
  const appBytes = fileSize(image.app);
  const mem = staticMemory(image);
  say(`built in ${(image.ms / 1000).toFixed(0)} s: app ${appBytes} B (${((100 * appBytes) / OTA_SLOT_BYTES).toFixed(1)} % of the ${OTA_SLOT_BYTES / 1024} KiB OTA slot)` +
    (mem ? `; static IRAM ${mem.iram} B, DRAM ${mem.dram} B` : ""));
  const creation = (JSON.parse(readFileSync(join(ROOT, "hosts/esp32/creation.json"), "utf8")) as { creation: Creation }).creation;

  // ---- unit and stack ----
  const certs = join(OUT, "certs");
  const unit = makeCerts(certs);
  const events: StackEvent[] = [];
  let stack: Stack | undefined;
  let controller: Controller | undefined;
  const runs: QemuRun[] = [];
  const cuts: CutOutcome[] = [];
  const problems: string[] = [];
  const echo = (tag: string, always: boolean): string | undefined => (args.quiet ? undefined : always || args.verbose ? `[${tag}] ` : undefined);
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
    /** The controller adds the unit (what the app does on scanning its label): a pending activation. */
    const add = async (u: Unit): Promise<void> => {
      const n = events.length;
      await ctl.addDevice({ activationCode: u.code, deviceId: u.id, deviceType: u.type });
      for (let i = 0; i < 100 && !events.slice(n).some((e) => e.event === "activation_pending" && e.fields.device === u.id); i++) await sleep(100);
    };

    let bootToOperational = 25_000;
    let restartMs = 0;
    if (!args["cuts-only"]) {
      // ---- 1. onboarding ----
      const flash = flashFor(t, image, certs, unit, port, "main");
      const setup = controller.setupResult(unit.id, ONBOARD_MS);
      setup.catch(() => undefined);
      await add(unit);
      const run1 = new QemuRun(t, flash, echo("dev1", true));
      runs.push(run1);
      await until(run1, / operational home=/, ONBOARD_MS);
      bootToOperational = Date.now() - run1.started;
      const opLine = deviceEvents(run1).find((p) => p.event === "operational");
      const result = await setup; // the cloud reports success once the unit's status is online
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

      // Deeply nested and oversized payloads: XS parses JSON recursively on the C stack.
      const prefix = controller.prefix(unit.id);
      const nested: { what: string; payload: string; log: RegExp }[] = [
        { what: "2,000 nested arrays (4,000 B)", payload: "[".repeat(2000) + "]".repeat(2000), log: /command\.invalid entity=switch reason=malformed_json/ },
        { what: "a command nested 16 deep (the most the decoder parses)", payload: `{"timestamp":${Math.floor(Date.now() / 1000)},"type":"set","value":${"{\"a\":".repeat(15)}1${"}".repeat(15)}}`, log: /command\.failed entity=switch reason=invalid_value/ },
        { what: "4,097 bytes", payload: `{"pad":"${"x".repeat(4097 - 10)}"}`, log: /command\.invalid entity=switch reason=oversized/ },
      ];
      for (const n of nested) {
        const mark = run1.lines.length;
        const answer = controller.next(entityOut(prefix, "switch"), (p) => (p.includes("\"error\"") ? p : undefined), STEP_MS);
        answer.catch(() => undefined);
        await controller.publish(entityIn(prefix, "switch"), n.payload);
        await until(run1, n.log, STEP_MS, mark);
        await answer;
      }
      const after = await controller.command(unit.id, "switch", "query", null, STEP_MS);
      if (after.kind !== "confirmation" || after.value !== "on") fail(`switch query after the nested payloads: ${JSON.stringify(after)}`);
      const markMem = run1.lines.length;
      await until(run1, / memory /, 30_000, markMem); // the next periodic figures include the payloads
      say(`   nested and oversized payloads answered with errors; switch query after them answered "on" (${since()})`);
      const clockLines = run1.lines.filter((l) => / (clock\.|sntp\.)/.test(l.text)).map((l) => l.text.trim());
      say(`   clock: ${clockLines.slice(0, 6).join(" | ")}`);
      const rows1 = memoryRows(run1);
      printMemory("memory on the target, run 1 (onboarding, commands, nested payloads)", rows1);
      if (!measure) problems.push(...budgetProblems(rows1, creation, "run 1"));
      await run1.kill();

      // ---- 2. restart ----
      const mark = events.length;
      const up = online(controller, unit.id, STEP_MS * 2);
      const run2 = new QemuRun(t, flash, echo("dev2", true));
      runs.push(run2);
      await until(run2, / operational home=/, STEP_MS * 2);
      restartMs = Date.now() - run2.started;
      const ev2 = deviceEvents(run2).map((p) => p.event);
      if (!ev2.includes("boot.provisioned")) fail("run 2 did not boot provisioned");
      for (const e of ["onboarding.start", "init.connect", "request.sent", "wps.start"]) if (ev2.includes(e)) fail(`run 2 onboarded again (${e})`);
      const activation = events.slice(mark).filter((e) => e.component.startsWith("disc") || e.event === "home_prefix" || e.event === "setup_result");
      if (activation.length) fail(`activation traffic during run 2: ${activation.map((e) => `${e.component} ${e.event}`).join(", ")}`);
      await up;
      say(`2. restart: operational ${(restartMs / 1000).toFixed(1)} s after QEMU started, from NVS, online at the controller; no activation traffic`);
      const q = await controller.command(unit.id, "switch", "query", null, STEP_MS);
      if (q.kind !== "confirmation" || q.value !== "off") fail(`switch query after restart: ${JSON.stringify(q)} (the relay powers up off)`);
      const on = await controller.command(unit.id, "switch", "set", "on", STEP_MS);
      if (on.kind !== "confirmation" || on.value !== "on") fail(`switch set on after restart: ${JSON.stringify(on)}`);
      say(`   switch query after restart answered "off" (the relay powers up off), switch set on confirmed`);
      const rows2 = memoryRows(run2);
      printMemory("memory on the target, run 2 (restart from NVS)", rows2);
      if (!measure) problems.push(...budgetProblems(rows2, creation, "run 2"));
      await run2.kill();
    }

    // ---- 3. power cuts ----
    const only = args.moment ? Number(args.moment) : undefined;
    const moments: Moment[] = [];
    const writes: [1 | 2 | 3, string][] = [[1, "write 1 (credentials)"], [2, "write 2 (home prefix)"], [3, "write 3 (rename)"]];
    for (const [write, label] of args["skip-cuts"] ? [] : writes) {
      // A record write takes about 0.6 s in the emulator (the log line, then some 7 NVS keys, the
      // slot pointer last): cuts at its start, inside it, and around its end.
      for (const offsetMs of [0, Math.floor(Math.random() * 300), 300 + Math.floor(Math.random() * 600)]) moments.push({ label: `${label} +${offsetMs} ms`, write, offsetMs });
    }
    // Random moments, one in each of RANDOM_CUTS equal parts of a boot-to-operational span.
    const span = Math.max(20_000, bootToOperational);
    for (let i = 0; i < RANDOM_CUTS; i++) moments.push({ label: "random", atMs: Math.floor(((i + Math.random()) * span) / RANDOM_CUTS) });
    for (const [i, m] of moments.entries()) {
      if (!stack) break;
      if (only !== undefined && i + 1 !== only) continue;
      const n = i + 1;
      const id = stack.createIdentity({ deviceType: "socket", deviceId: `qemu-cut-${String(n).padStart(4, "0")}` });
      const u: Unit = { id: id.deviceId, code: id.activationCode, type: id.deviceType, dir: writeIdentity(certs, id) };
      const newName = `Cut ${n}`;
      const f = flashFor(t, image, certs, u, port, `cut-${n}`);
      await add(u);
      const a = new QemuRun(t, f, echo(`cut${n}a`, false));
      runs.push(a);
      let note = "";
      let renameSent = false;
      try {
        if ("atMs" in m) {
          await sleep(m.atMs);
        } else if (m.write === 3) {
          const up = online(ctl, u.id, ONBOARD_MS);
          await until(a, / operational home=/, ONBOARD_MS);
          await up;
          await ctl.rename(u.id, newName, []);
          renameSent = true;
          await sleep(m.offsetMs);
        } else {
          await until(a, m.write === 1 ? / record\.commit broker=/ : / home_prefix\.received /, ONBOARD_MS);
          await sleep(m.offsetMs);
        }
      } catch (e) {
        note = ` (${e instanceof Error ? e.message : String(e)})`;
      }
      await a.kill(); // every line QEMU wrote before it died has been read once it exited
      const aEvents = deviceEvents(a);
      const last = aEvents.at(-1);
      const killedAt = `${((Date.now() - a.started) / 1000).toFixed(1)} s, ${last?.phase ?? "boot"}${note}`;
      // The writes begun before the cut: each one's log line comes before its NVS writes; the
      // rename's only after them, so the controller's publish stands for its start.
      const begun = (aEvents.some((p) => p.event === "record.commit") ? 1 : 0) + (aEvents.some((p) => p.event === "home_prefix.received") ? 1 : 0) + (renameSent ? 1 : 0);
      const allowed = begun === 0 ? ["none"] : [STATES[begun - 1], STATES[begun]];
      const aCrash = crashes(a);

      // Boot again on the same flash; nobody adds the unit again (a unit with no record re-onboards
      // on its activation, still pending at the discovery server until the cloud sees it log in).
      const up = online(ctl, u.id, ONBOARD_MS);
      const b = new QemuRun(t, f, echo(`cut${n}b`, false));
      runs.push(b);
      let state = "?";
      let end = "";
      let ok = false;
      try {
        await until(b, / boot\.(?:un)?provisioned/, STEP_MS);
        const boot = deviceEvents(b).find((p) => p.event === "boot.provisioned" || p.event === "boot.unprovisioned");
        if (!boot) throw new Error("boot line not readable");
        await until(b, / operational home=/, ONBOARD_MS);
        const op = deviceEvents(b).find((p) => p.event === "operational");
        state = boot.event === "boot.unprovisioned" ? "none" : boot.fields.prefix !== "true" ? "credentials" : op?.fields.name === newName ? "renamed" : "prefix";
        const notes = deviceEvents(b).filter((p) => p.event === "record.note").map((p) => p.fields.note ?? "note");
        await up;
        const q = await ctl.command(u.id, "switch", "query", null, STEP_MS);
        if (q.kind !== "confirmation") throw new Error(`switch query: ${JSON.stringify(q)}`);
        const how = state === "none" ? "re-onboarded" : state === "credentials" ? "resumed onboarding" : "from NVS";
        end = `operational (${how}), query answered${notes.length ? `; record.note ${notes.join(", ")}` : ""}`;
        const bad = [...aCrash.map((c) => `crash before the cut: ${c}`), ...crashes(b).map((c) => `crash after: ${c}`)];
        if (!allowed.includes(state)) bad.push(`record ${state}, expected ${allowed.join(" or ")}`);
        if (bad.length) end += `; FAILED: ${bad.join("; ")}`;
        ok = bad.length === 0;
      } catch (e) {
        end = `FAILED: ${e instanceof Error ? e.message : String(e)}`;
      }
      await b.kill();
      const outcome = { n, moment: m.label, killedAt, before: allowed.join("/"), record: state, end, ok };
      cuts.push(outcome);
      say(`3. cut ${n}/${moments.length} ${m.label}: killed at ${killedAt}; old/new ${outcome.before}; after reboot ${state}; ${end}`);
    }
    if (cuts.length) {
      say("power cuts (SIGKILL), then a boot on the same flash:");
      say("   # | moment                          | killed at (QEMU time, phase)     | old/new record       | after reboot | end");
      for (const c of cuts) say(`  ${String(c.n).padStart(2)} | ${c.moment.padEnd(31)} | ${c.killedAt.padEnd(32)} | ${c.before.padEnd(20)} | ${c.record.padEnd(12)} | ${c.end}`);
      const bad = cuts.filter((c) => !c.ok);
      if (bad.length) problems.push(`${bad.length} of ${cuts.length} power cuts failed (${bad.map((c) => c.n).join(", ")})`);
    }
    if (problems.length) fail(problems.join("; "));
    say(`PASS (${since()}); boot-to-operational ${(bootToOperational / 1000).toFixed(1)} s, restart-to-operational ${(restartMs / 1000).toFixed(1)} s`);
  } finally {
    for (const r of runs) await r.kill().catch(() => undefined);
    await controller?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
    rmSync(join(OUT, "units"), { recursive: true, force: true });
  }
}

main().then(
  () => { process.exitCode = 0; },
  (err: unknown) => {
    say(`FAIL: ${err instanceof Error ? err.message : String(err)} (${since()})`);
    process.exitCode = 1;
  },
);
