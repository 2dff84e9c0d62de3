// The runtime's own duties (device.ts): the boot line, record notes, every effect of a step run in
// order, events queued while a step runs, the phase hook, stop, the secrets it gives the logger.
import { assert, deepEqual, equal, test } from "../harness";
import { CredentialStore } from "../../src/core/record";
import { MemoryStore } from "../../src/core/nvs";
import type { JoinResult } from "../../src/core/ports";
import { FakePlatform, makeDevice, socketModel, toCloudActivation } from "./device-kit";
import { AC, DID, brokerData, creds, homePrefix, provisionedRecord, testConfig } from "./onboarding-kit";
import { Device } from "../../src/core/device";
import { EntityModel } from "../../src/core/entities";
import type { EntityValue } from "../../src/core/entity-types";

const P = `home1/gw1/${DID}`;

function onboard(p: FakePlatform): Device {
  const d = toCloudActivation(p);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${DID}/home/in`, homePrefix());
  p.last.handlers.onConnected();
  return d;
}

const events = (p: FakePlatform): string[] => p.lines.map((l) => `${l.level} ${l.event}`);

test("runtime: the boot line names firmware, device, type, the masked code and free memory when the platform knows it", () => {
  const p = new FakePlatform();
  makeDevice(p).start();
  deepEqual(p.lines[0], { uptimeMs: 0, level: "info", phase: "boot", event: "boot", fields: { fw: "1.2.3", device: DID, type: "socket", code: p.lines[0]?.fields.code } });
  assert(!String(p.lines[0]?.fields.code).includes(AC.slice(2)), "the code is masked");
  const q = new FakePlatform();
  (q.system as { freeMemory?: () => number }).freeMemory = () => 81234;
  makeDevice(q).start();
  equal(q.lines[0]?.fields.free_bytes, 81234);
  assert(!("free_bytes" in (p.lines[0]?.fields ?? {})), "no free_bytes where the platform cannot tell");
});

test("runtime: what load() noted about the stored record is logged as warnings at boot", () => {
  const store = new MemoryStore();
  const cs = new CredentialStore(store);
  cs.commit(provisionedRecord());
  cs.commit(provisionedRecord({ name: "second" }));
  store.delete("mqtt2go", "s1.len");
  const p = new FakePlatform(store);
  makeDevice(p).start();
  const notes = p.lines.filter((l) => l.event === "record.note");
  deepEqual(notes.map((l) => [l.level, l.fields.note]), [["warn", "slot 1 incomplete (no length), using slot 0"]]);
});

test("runtime: every effect of a step runs, in order (the timer after a publish of reports, time after a connect)", () => {
  const p = new FakePlatform();
  const heard: number[] = [];
  (p.clock as { heard?: (s: number) => void }).heard = (s) => { heard.push(s); };
  onboard(p);
  deepEqual(heard, [1790000000, 1790000000], "broker_data and home_prefix carried the time");
  const op = p.last;
  op.pubs = [];
  p.timers.advance(60_000);
  const first = op.pubs.length;
  assert(first > 0);
  p.timers.advance(60_000);
  equal(op.pubs.length, 2 * first, "the report timer was armed again after the reports");
});

test("runtime: a line the runtime writes for an effect reads in the phase of the step's last reducer line, not the phase the step ends in", () => {
  const p = new FakePlatform();
  // As the Moddable clock does: adopting a reply's time logs clock.set through the device's logger.
  // The app's other loggers (src/main.ts: the clock's) read the same phase through logPhase.
  const seen: string[] = [];
  (p.clock as { heard?: (s: number) => void }).heard = (s) => { seen.push(d.logPhase); d.log.info("clock.set", { unix: s }); };
  const d = toCloudActivation(p);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${DID}/home/in`, homePrefix());
  const around = (i: number): string[] => p.lines.slice(i - 1, i + 2).map((l) => `${l.phase} ${l.event}`);
  const sets = p.lines.flatMap((l, i) => (l.event === "clock.set" ? [i] : []));
  equal(sets.length, 2);
  // Each clock.set sits between reducer lines of one phase: no "connect" line among home_prefix ones.
  for (const i of sets) equal(p.lines[i].phase, p.lines[i - 1].phase, around(i).join(" | "));
  equal(p.lines[sets[1]].phase, "home_prefix", around(sets[1]).join(" | "));
  deepEqual(seen, ["connect", "home_prefix"]);
  // Outside a step the logger reads the current phase.
  d.log.info("probe");
  equal(p.lines.at(-1)?.phase, d.phase);
});

test("runtime: an event raised while a step runs waits for the step's end (a Wi-Fi join that answers at once)", () => {
  const store = new MemoryStore();
  new CredentialStore(store).commit(provisionedRecord());
  const p = new FakePlatform(store);
  p.wifi.join = (_ssid: string, _password: string, done: (r: JoinResult) => void) => done({ ok: true });
  const phases: string[] = [];
  const d = new Device(p, testConfig(), socketModel(p), { onPhase: (phase) => phases.push(phase) });
  d.start();
  deepEqual(phases, ["wifi_home", "connect"]);
  equal(p.sessions.length, 1);
});

test("runtime: the phase hook fires once per phase change, never for a step that keeps the phase", () => {
  const p = new FakePlatform();
  const phases: string[] = [];
  const d = new Device(p, testConfig(), socketModel(p), { onPhase: (phase, state) => { phases.push(phase); equal(state.phase, phase); } });
  d.start();
  p.wpsCalls[0]?.({ ok: true, ssid: "HomeNet", password: "home-pass-123" });
  p.browses[0]?.(null);
  p.last.handlers.onConnected();
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${DID}/home/in`, homePrefix());
  p.last.handlers.onConnected();
  p.last.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  p.timers.advance(60_000);
  deepEqual(phases, ["wifi_wps", "discover", "activate_cloud", "connect", "home_prefix", "connect", "operational"]);
});

test("runtime: a platform that shows no status is fine", () => {
  const p = new FakePlatform();
  delete (p.system as { indicate?: unknown }).indicate;
  const d = onboard(p);
  equal(d.phase, "operational");
});

test("runtime: stop clears every timer and closes the sessions; nothing it is told afterwards runs", () => {
  const p = new FakePlatform();
  const d = makeDevice(p);
  d.start();
  assert(p.timers.count > 0, "the activation window is armed");
  d.stop();
  equal(p.timers.count, 0);
  const lines = p.lines.length;
  p.wpsCalls[0]?.({ ok: true, ssid: "HomeNet", password: "home-pass-123" });
  d.press();
  equal(p.browses.length, 0, "the WPS result after stop started nothing");
  equal(p.lines.length, lines, "and logged nothing");
  const q = new FakePlatform();
  const e = onboard(q);
  e.stop();
  assert(q.last.closed);
  equal(q.timers.count, 0);
});

test("runtime: the button starts a new onboarding from unprovisioned", () => {
  const p = new FakePlatform();
  const d = makeDevice(p);
  d.start();
  p.timers.advance(15 * 60_000);
  equal(d.phase, "unprovisioned");
  d.press();
  equal(d.phase, "wifi_wps");
  equal(p.wpsCalls.length, 2);
});

test("runtime: a failed erase is logged as an error and the unit still restarts", () => {
  const store = new MemoryStore();
  const p = new FakePlatform(store);
  const d = onboard(p);
  store.failAfter(0);
  p.last.deliver(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: "true" }));
  equal(d.phase, "removing");
  const failed = p.lines.filter((l) => l.event === "record.erase_failed");
  deepEqual(failed.map((l) => [l.level, l.fields.error]), [["error", "Error: MemoryStore: simulated power loss"]]);
  p.timers.advance(1000);
  equal(p.restarts, 1);
  deepEqual(events(p).slice(-1), ["warn restart"]);
});

test("runtime: a command is logged with its entity and the applied value, a failed one with the reason", () => {
  const p = new FakePlatform();
  onboard(p);
  p.lines.length = 0;
  p.last.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  p.last.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: 7 }));
  const cmd = p.lines.filter((l) => l.event.startsWith("command."));
  deepEqual(cmd.map((l) => [l.level, l.event, l.fields]), [
    ["info", "command.applied", { entity: "switch", value: "on" }],
    ["warn", "command.failed", { entity: "switch", reason: "invalid_value" }],
  ]);
});

test("runtime: the logger masks the unit's passwords in free text as soon as it holds them (Wi-Fi from WPS, record at boot)", () => {
  const p = new FakePlatform();
  const d = makeDevice(p);
  d.start();
  p.wpsCalls[0]?.({ ok: true, ssid: "HomeNet", password: "wps-Pass-4471" });
  d.log.info("note", { detail: "joined with wps-Pass-4471" });
  assert(!JSON.stringify(p.lines.at(-1)).includes("wps-Pass-4471"), "Wi-Fi password from WPS masked");
  const store = new MemoryStore();
  new CredentialStore(store).commit(provisionedRecord({ password: "rec-Pass-9032", wifi: { ssid: "HomeNet", password: "rec-Wifi-5518" } }));
  const q = new FakePlatform(store);
  const e = makeDevice(q);
  e.start();
  e.log.info("note", { detail: "rec-Pass-9032 rec-Wifi-5518" });
  const last = JSON.stringify(q.lines.at(-1));
  assert(!last.includes("rec-Pass-9032") && !last.includes("rec-Wifi-5518"), last);
});

test("runtime: a record without Wi-Fi (a wired host) still logs every line", () => {
  const store = new MemoryStore();
  const rec = provisionedRecord();
  delete rec.wifi;
  new CredentialStore(store).commit(rec);
  const p = new FakePlatform(store);
  const d = makeDevice(p);
  d.start();
  const before = p.lines.length;
  d.log.info("note", { n: 1 });
  equal(p.lines.length, before + 1);
});

test("runtime: the Wi-Fi port's rejoin report reaches the reducer (a lost session retries soon after the link is back)", () => {
  const store = new MemoryStore();
  new CredentialStore(store).commit(provisionedRecord());
  const p = new FakePlatform(store);
  let rejoined: (() => void) | undefined;
  (p.wifi as { onRejoin?: (cb: () => void) => void }).onRejoin = (cb) => { rejoined = cb; };
  const d = makeDevice(p);
  d.start();
  p.joins[0]?.done({ ok: true });
  equal(d.phase, "connect");
  p.last.drop("network", "wifi lost");
  assert(rejoined !== undefined, "the runtime registered for rejoin reports");
  rejoined();
  const line = p.lines.find((l) => l.event === "wifi.rejoined");
  assert(line !== undefined, "the reducer heard the rejoin");
});

test("runtime: credentials held back on the guest network are masked in free text too", () => {
  const p = new FakePlatform();
  const d = makeDevice(p);
  d.start();
  p.wpsCalls[0]?.({ ok: false, reason: "timeout" });
  p.joins[0]?.done({ ok: true });
  p.browses[0]?.({ host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 });
  p.last.handlers.onConnected();
  d.log.info("before", { n: 1 });
  p.last.deliver(`${AC}/activation/in`, creds("u-0001", "guest-Pass-6620"));
  equal(d.snapshot.pending?.password, "guest-Pass-6620", "held back until the home network");
  d.log.info("note", { detail: "guest-Pass-6620" });
  assert(!JSON.stringify(p.lines.at(-1)).includes("guest-Pass-6620"), JSON.stringify(p.lines.at(-1)));
});

test("runtime: a colour command's applied value is logged as JSON", () => {
  let rgb: EntityValue = { r: 0, g: 0, b: 0 };
  const model = new EntityModel([{ descriptor: { name: "color", unit: "rgb", type: "rgb" }, commands: ["color", "query"], driver: { read: () => rgb, write: (v) => (rgb = v) } }]);
  const p = new FakePlatform();
  const d = new Device(p, testConfig({ entities: model.descriptors() }), model);
  d.start();
  p.wpsCalls[0]?.({ ok: true, ssid: "HomeNet", password: "home-pass-123" });
  p.browses[0]?.(null);
  p.last.handlers.onConnected();
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${DID}/home/in`, homePrefix());
  p.last.handlers.onConnected();
  equal(d.phase, "operational");
  p.last.deliver(`${P}/color/in`, JSON.stringify({ type: "color", timestamp: 1, value: { r: 1, g: 2, b: 3 } }));
  const applied = p.lines.find((l) => l.event === "command.applied");
  deepEqual(applied?.fields, { entity: "color", value: '{"r":1,"g":2,"b":3}' });
});
