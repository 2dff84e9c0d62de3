// Bundled for xsnap by soak-xs.test.ts: SOAK_EVENTS events through the real Device runtime
// (reducer, record on a MemoryStore, entity model, logger with text formatting) over lean ports
// that keep counters, not histories: commands, queries, about, malformed payloads, look-alike
// topics, report timers, renames (flash writes) and a dropped-and-restored session every 500
// events. Ends with gc(); xsnap then writes a snapshot whose heap size soak-xs compares.
import { Device } from "../../src/core/device";
import { formatText } from "../../src/core/log";
import { MemoryStore } from "../../src/core/nvs";
import type { LogRecord, MqttConnectOptions, MqttHandlers, MqttSession, Platform } from "../../src/core/ports";
import { createEntities } from "../../src/core/profiles";
import { simulatedDrivers } from "../../src/core/sim-drivers";
import { AC, DID, brokerData, homePrefix, seeded, testConfig } from "../core/onboarding-kit";

declare const SOAK_EVENTS: number;
declare const print: (s: string) => void;
declare const gc: () => void;

class Timers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; cb: () => void }>();
  set(ms: number, cb: () => void): number {
    this.pending.set(++this.seq, { at: this.now + ms, cb });
    return this.seq;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; cb: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].cb();
    }
    this.now = end;
  }
}

let published = 0, logged = 0, logBytes = 0;
let live: { handlers: MqttHandlers; open: boolean } | undefined;
const timers = new Timers();
const rnd = seeded(99);
const store = new MemoryStore();

const platform: Platform = {
  wifi: { wps: (_ms, done) => done({ ok: true, ssid: "HomeNet", password: "home-pass-123" }), join: (_s, _p, done) => done({ ok: true }), disconnect: () => {} },
  discovery: { browse: (_ms, done) => done(null) },
  mqtt: {
    connect: (_o: MqttConnectOptions, handlers: MqttHandlers): MqttSession => {
      const s = { handlers, open: true };
      live = s;
      return { subscribe: () => {}, publish: () => { published++; }, close: () => { s.open = false; } };
    },
  },
  store,
  timers,
  clock: { uptimeMs: () => timers.now, unixSeconds: () => 1_790_000_000 + Math.floor(timers.now / 1000) },
  log: (r: LogRecord) => { logged++; logBytes += formatText(r).length; },
  system: { restart: () => {}, random: () => rnd() },
};

const model = createEntities("socket", simulatedDrivers("socket", () => rnd(), () => timers.now));
const device = new Device(platform, testConfig({ entities: model.descriptors() }), model);
device.start();
const connected = () => live?.handlers.onConnected();
const deliver = (topic: string, payload: string) => live?.handlers.onMessage(topic, payload, payload.length);
connected();
deliver(`${AC}/activation/in`, brokerData());
connected();
deliver(`${DID}/home/in`, homePrefix());
connected();
if (device.phase !== "operational") throw new Error(`not operational: ${device.phase}`);

const P = `home1/gw1/${DID}`;
const cmd = (type: string, value: unknown) => JSON.stringify({ timestamp: 1790000000, type, value });
const MIX: (() => void)[] = [
  () => deliver(`${P}/switch/in`, cmd("set", "on")),
  () => deliver(`${P}/switch/in`, cmd("set", "off")),
  () => deliver(`${P}/switch/in`, cmd("query", "switch")),
  () => deliver(`${P}/power/in`, cmd("query", "power")),
  () => deliver(`${P}/about/in`, cmd("query", "")),
  () => deliver(`${P}/switch/in`, "{\"type\":\"set\",\"value\":" + "[".repeat(40)),
  () => deliver(`${P}/switch/in`, cmd("set", "maybe")),
  () => deliver(`${P}/nosuch/in`, cmd("set", "on")),
  () => deliver(`${P}/switch/in/x`, cmd("set", "on")),
  () => deliver(`${DID}/home/in`, "not json"),
  () => timers.advance(60_000),
];

let cycles = 0;
for (let i = 0; i < SOAK_EVENTS; i++) {
  if (i % 500 === 499) {
    // The broker drops the session; the backoff timer reconnects it.
    const h = live?.handlers;
    h?.onClose("network", "soak");
    timers.advance(61_000);
    connected();
    cycles++;
    if (device.phase !== "operational") throw new Error(`event ${i}: ${String(device.phase)}`);
  } else if (i % 1000 === 777) {
    deliver(`${DID}/home/in`, JSON.stringify({ timestamp: 1790000000, type: "rename_device", value: { device_id: DID, device_name: `Socket ${i % 7}`, group_id: ["g"] } }));
  } else {
    MIX[i % MIX.length]?.();
  }
}
if (device.phase !== "operational") throw new Error(`ended ${String(device.phase)}`);
gc();
print(`soak: ${SOAK_EVENTS} events, ${cycles} session cycles, ${published} publishes, ${logged} log lines (${logBytes} chars), ${store.writes} flash writes, phase ${device.phase}`);
