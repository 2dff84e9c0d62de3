// Bundled for xsnap by commands-xs.test.ts: an operational device takes WARM `set` commands (every
// cache the path fills on first use is filled), then COMMANDS more, alternating on/off, each one
// answered with its confirmation and two info lines formatted as text (the console sink's work).
// Ends with gc(); xsnap then writes a snapshot whose heap the test compares with COMMANDS = 0.
import { makeConfig } from "../../src/core/config";
import { Device } from "../../src/core/device";
import { formatText } from "../../src/core/log";
import { MemoryStore } from "../../src/core/nvs";
import type { LogRecord, LogSink, MqttHandlers, MqttSession, Platform } from "../../src/core/ports";
import { createEntities } from "../../src/core/profiles";
import { CredentialStore } from "../../src/core/record";
import { simulatedDrivers } from "../../src/core/sim-drivers";
import { AC, DID, provisionedRecord, seeded } from "../core/onboarding-kit";

declare const COMMANDS: number;
declare const print: (s: string) => void;
declare const gc: () => void;

const WARM = 1000;
let chars = 0, lines = 0, published = 0, retained = 0;
const sink: LogSink = Object.assign((r: LogRecord) => { lines++; chars += formatText(r).length; }, { minLevel: "info" as const });
let handlers: MqttHandlers | undefined;
const session: MqttSession = { subscribe: () => {}, publish: (_t, _p, retain) => { published++; if (retain) retained++; }, close: () => {} };
const store = new MemoryStore();
new CredentialStore(store).commit(provisionedRecord());
const random = seeded(3);
let uptime = 0;
const platform: Platform = {
  wifi: { wps: () => {}, join: (_s, _p, done) => done({ ok: true }), disconnect: () => {} },
  discovery: { browse: (_w, done) => done(null) },
  mqtt: { connect: (_o, h) => { handlers = h; return session; } },
  store,
  timers: { set: () => 0, clear: () => {} },
  clock: { uptimeMs: () => uptime, unixSeconds: () => 1_790_000_000 + Math.floor(uptime / 1000) },
  log: sink,
  system: { restart: () => {}, random },
};
const model = createEntities("socket", simulatedDrivers("socket", random, () => uptime));
const config = makeConfig({ identity: { deviceId: DID, activationCode: AC, deviceType: "socket", discovery: { host: "d", port: 8883 } }, fwVersion: "1", entities: model.descriptors() });
const device = new Device(platform, config, model);
device.start();
handlers!.onConnected();
if (device.phase !== "operational") throw new Error(`device is ${device.phase}, not operational`);
const h = handlers!;
const topic = `home1/gw1/${DID}/switch/in`;
const on = JSON.stringify({ type: "set", timestamp: 1790000000, value: "on" });
const off = JSON.stringify({ type: "set", timestamp: 1790000000, value: "off" });
const total = WARM + COMMANDS;
const before = published;
for (let i = 0; i < total; i++) {
  uptime = i >> 2; // a few commands per millisecond, as in a burst
  h.onMessage(topic, i & 1 ? on : off, 60);
}
if (published - before !== total) throw new Error(`${published - before} confirmations for ${total} commands`);
if (device.phase !== "operational") throw new Error(`ended ${String(device.phase)}`);
// The report's numbers padded to one width: a longer last string would move the heap by a chunk.
const n = (x: number): string => String(x).padStart(9, " ");
print(`commands: ${n(total)} set commands, ${n(published - before)} confirmations (${n(retained)} retained), ${n(lines)} log lines (${n(chars)} chars)`);
gc();
