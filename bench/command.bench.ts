// `set` commands handled per second by the device runtime (reducer + Device + entity model) on
// whichever engine runs this bundle, with the info log formatted as text (the console sink's work)
// and with logging filtered out. Prints `RESULT {json}` lines for bench/run.mjs. The figure is wall
// time over 20,000 commands; on a shared machine it falls with the load, so the fastest of 200
// batches of 100 commands is given beside it (a batch the scheduler did not interrupt).
import { makeConfig } from "../src/core/config";
import { Device } from "../src/core/device";
import { createEntities } from "../src/core/profiles";
import { formatText } from "../src/core/log";
import { MemoryStore } from "../src/core/nvs";
import type { LogLevel, LogRecord, LogSink, MqttHandlers, MqttSession, Platform } from "../src/core/ports";
import { simulatedDrivers } from "../src/core/sim-drivers";
import { AC, DID, provisionedRecord, seeded } from "../tests/core/onboarding-kit";
import { CredentialStore } from "../src/core/record";

declare const print: ((s: string) => void) | undefined;
const out = (s: string): void => (typeof print === "function" ? print(s) : (globalThis as unknown as { console: { log(s: string): void } }).console.log(s));
const now = (): number => (globalThis as unknown as { performance: { now(): number } }).performance.now();

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function run(level: LogLevel | "off"): { perS: number; bestPerS: number; chars: number } {
  let chars = 0;
  const sink: LogSink = Object.assign((r: LogRecord) => {
    if (level !== "off" && RANK[r.level] >= RANK[level]) chars += formatText(r).length;
  }, { minLevel: level === "off" ? ("off" as const) : level });
  let handlers: MqttHandlers | undefined;
  let published = 0;
  const session: MqttSession = { subscribe: () => {}, publish: () => { published++; }, close: () => {} };
  const store = new MemoryStore();
  new CredentialStore(store).commit(provisionedRecord());
  const random = seeded(3);
  const platform: Platform = {
    wifi: { wps: () => {}, join: (_s, _p, done) => done({ ok: true }), disconnect: () => {} },
    discovery: { browse: (_w, done) => done(null) },
    mqtt: { connect: (_o, h) => { handlers = h; return session; } },
    store,
    timers: { set: () => 0, clear: () => {} },
    clock: { uptimeMs: () => 1234, unixSeconds: () => 1_790_000_000 },
    log: sink,
    system: { restart: () => {}, random },
  };
  const model = createEntities("socket", simulatedDrivers("socket", random, () => 0));
  const config = makeConfig({ identity: { deviceId: DID, activationCode: AC, deviceType: "socket", discovery: { host: "d", port: 8883 } }, fwVersion: "1", entities: model.descriptors() });
  const device = new Device(platform, config, model);
  device.start();
  handlers!.onConnected();
  if (device.phase !== "operational") throw new Error(`bench device is ${device.phase}, not operational`);
  const topic = `home1/gw1/${DID}/switch/in`;
  const on = JSON.stringify({ type: "set", timestamp: 1790000000, value: "on" });
  const off = JSON.stringify({ type: "set", timestamp: 1790000000, value: "off" });
  const h = handlers!;
  for (let i = 0; i < 500; i++) h.onMessage(topic, i & 1 ? on : off, 60);
  const n = 20000;
  const before = published;
  const t0 = now();
  for (let i = 0; i < n; i++) h.onMessage(topic, i & 1 ? on : off, 60);
  const ms = now() - t0;
  let best = Infinity;
  for (let b = 0; b < 200; b++) {
    const t1 = now();
    for (let i = 0; i < 100; i++) h.onMessage(topic, i & 1 ? on : off, 60);
    best = Math.min(best, now() - t1);
  }
  if (published - before !== n + 20000) throw new Error(`${published - before} confirmations for ${n + 20000} commands`);
  return { perS: Math.round((n * 1000) / ms), bestPerS: Math.round(100_000 / best), chars };
}

const info = run("info");
const off = run("off");
out(`set commands, info log formatted: ${info.perS}/s (best 100-command batch ${info.bestPerS}/s); logging off: ${off.perS}/s (best ${off.bestPerS}/s)`);
out(`RESULT ${JSON.stringify({ commands_per_s_info: info.perS, commands_per_s_off: off.perS, best_batch_per_s_info: info.bestPerS, best_batch_per_s_off: off.bestPerS })}`);
