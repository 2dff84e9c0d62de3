// One of the fleet's unit processes: runs a slice of the units (the real core on the Node host's
// ports) and reports connects and phase changes to the stack process in batches. Units of
// different processes share no event loop, so one process's busy moment no longer delays the
// timers (and the reconnects) of the whole fleet.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { MemoryStore, nvsChecked } from "../../src/core/nvs";
import type { DiscoveryPort, MqttPort, WiFiPort } from "../../src/core/ports";
import type { FactoryIdentity } from "../../stack/certs";
import { startNodeDevice, type NodeDevice } from "./device-host";
import type { FromWorker, ToWorker, WorkerBatch, WorkerInit } from "./fleet-ipc";
import type { Unit } from "./identity";

const send = (m: FromWorker): void => { process.send?.(m); };
let init: WorkerInit | undefined;
let units: Unit[] = [];
const hosts = new Map<number, NodeDevice>();
const isOp = new Set<number>();
let batch: WorkerBatch = empty();
const lag = monitorEventLoopDelay({ resolution: 20 });
let rss0 = 0;
let heap0 = 0;
const cpu0 = process.cpuUsage();

function empty(): WorkerBatch { return { t: "batch", attempts: [], connects: [], operational: [], unprovisioned: 0, lagP99Ms: 0 }; }

const flush = setInterval(() => {
  batch.lagP99Ms = Math.round(lag.percentile(99) / 1e6);
  lag.reset();
  send(batch);
  batch = empty();
}, 200);

const wifi = (): WiFiPort => ({
  wps: (_t, done) => setImmediate(() => done({ ok: true, ssid: "FleetHome", password: "fleet-home-pass" })),
  join: (_s, _p, done) => setImmediate(() => done({ ok: true })),
  disconnect: () => {},
});
const noMdns: DiscoveryPort = { browse: (_w, done) => setImmediate(() => done(null)) };
const counted = (port: MqttPort): MqttPort => ({
  connect: (o, h) => {
    batch.attempts.push(Date.now());
    return port.connect(o, { ...h, onConnected: () => { batch.connects.push(Date.now()); h.onConnected(); } });
  },
});

function boot(i: number): void {
  const o = init!;
  const unit = units[i - o.from];
  if (!unit || hosts.has(i)) return;
  hosts.set(i, startNodeDevice({
    unit,
    discovery: o.discovery,
    stateDir: o.store === "file" ? join(o.stateRoot, unit.identity.deviceId) : "",
    wps: "ok",
    store: o.store === "memory" ? nvsChecked(new MemoryStore()) : undefined,
    wifi: wifi(),
    discoveryPort: o.mdns ? undefined : noMdns,
    mdnsWindowMs: o.mdns ? 600 : undefined,
    mqtt: counted,
    log: o.log ? "text" : "none",
    onPhase: (phase) => {
      if (phase === "operational" && !isOp.has(i)) { isOp.add(i); batch.operational.push(1); }
      else if (phase !== "operational" && isOp.delete(i)) batch.operational.push(-1);
      if (phase === "unprovisioned") batch.unprovisioned++;
    },
  }));
}

function stop(): void {
  clearInterval(flush);
  lag.disable();
  for (const h of hosts.values()) h.stop();
  global.gc?.();
  const m = process.memoryUsage();
  const cpu = process.cpuUsage(cpu0);
  send(batch);
  send({ t: "final", rssGrowth: m.rss - rss0, heapGrowth: m.heapUsed - heap0, cpuS: (cpu.user + cpu.system) / 1e6 });
  // Let the IPC channel drain, then leave (sockets closing politely could keep the loop alive).
  setTimeout(() => process.exit(0), 200);
}

process.on("message", (m: ToWorker) => {
  if (m.t === "init") {
    init = m;
    const ids = readFileSync(m.identities, "utf8").split("\n").slice(m.from, m.to).map((l) => JSON.parse(l) as FactoryIdentity);
    units = ids.map((id) => ({
      identity: { deviceId: id.deviceId, activationCode: id.activationCode, deviceType: id.deviceType },
      tls: { caPem: m.caPem, certPem: id.certPem, keyPem: id.keyPem },
    }));
    global.gc?.();
    rss0 = process.memoryUsage().rss;
    heap0 = process.memoryUsage().heapUsed;
    lag.enable();
    send({ t: "ready" });
  } else if (m.t === "boot") boot(m.i);
  else stop();
});
// The stack process went away (killed, crashed): the units go with it.
process.on("disconnect", () => process.exit(1));
