// npm run fleet -- --devices N: N units of the real device core (the Node host's ports) in this
// process against the development stack, each with its own generated identity; paced cloud
// activations; a summary (time to all operational, failures, memory per unit, CPU) and a plot of
// connects/s and operational units over time. `--restart-broker-at S` restarts the cloud broker
// S seconds into the run and measures the reconnect storm (PROTOCOL §10).
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { MemoryStore, nvsChecked } from "../../src/core/nvs";
import type { DiscoveryPort, MqttPort, WiFiPort } from "../../src/core/ports";
import { randomActivationCode, type FactoryIdentity } from "../../stack/certs";
import { startStack, type Stack } from "../../stack/index";
import type { BrokerBackend } from "../../stack/home-service";
import { mosquittoAvailable } from "../../stack/mosquitto";
import { createNativeIdentity } from "../../stack/x509";
import { startNodeDevice, type NodeDevice } from "./device-host";
import { ROOT, type Unit } from "./identity";
import { plotFleet, type Sample } from "./fleet-plot";

const HELP = `npm run fleet -- --devices N [options]

  --devices N             units to run (default 100)
  --broker B              mosquitto (default where installed) or aedes
  --rate R                activations started per second (default 50)
  --restart-broker-at S   restart the cloud broker S seconds after the start, once all units are
                          operational (mosquitto), and measure the reconnect storm
  --store memory|file     each unit's store (default memory; file: one folder per unit)
  --mdns                  per-unit mDNS browsing (default off: straight to the cloud flow)
  --timeout S             give up after S seconds (default 600)
  --out DIR               plot (SVG) and summary (JSON) go here (default build/fleet)
`;

const { values: a } = parseArgs({
  options: {
    devices: { type: "string", default: "100" }, broker: { type: "string" }, rate: { type: "string", default: "50" },
    "restart-broker-at": { type: "string" }, store: { type: "string", default: "memory" }, mdns: { type: "boolean", default: false },
    timeout: { type: "string", default: "600" }, out: { type: "string", default: join(ROOT, "build/fleet") }, help: { type: "boolean", short: "h" },
  },
});
if (a.help) { process.stdout.write(HELP); process.exit(0); }
const fail = (m: string): never => { process.stderr.write(`fleet: ${m}\n`); process.exit(2); };
const num = (name: string, v: string | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) fail(`--${name} wants a number ≥ ${min}, got "${v}"`);
  return n;
};
const N = Math.floor(num("devices", a.devices, 1)!);
const rate = num("rate", a.rate, 0.1)!;
const restartAt = num("restart-broker-at", a["restart-broker-at"], 1);
const timeoutS = num("timeout", a.timeout, 1)!;
const broker = (a.broker ?? (mosquittoAvailable() ? "mosquitto" : "aedes")) as BrokerBackend;
if (broker !== "aedes" && broker !== "mosquitto") fail(`--broker is aedes or mosquitto, got "${String(broker)}"`);
if (restartAt !== undefined && broker !== "mosquitto") fail("--restart-broker-at needs --broker mosquitto");
if (a.store !== "memory" && a.store !== "file") fail(`--store is memory or file, got "${a.store}"`);

const say = (s: string): void => { process.stdout.write(`[fleet ${((performance.now() - T0) / 1000).toFixed(1).padStart(6)} s] ${s}\n`); };
const T0 = performance.now();
const sec = (): number => (performance.now() - T0) / 1000;

// ---- the stack --------------------------------------------------------------------------------
const pending = new Map<string, () => void>();
const stackEvents = { failures: 0, restart: {} as Record<string, unknown> };
const stack: Stack = await startStack({
  broker,
  log: (component, event, fields) => {
    if (event === "activation_pending" && typeof fields?.device === "string") { pending.get(fields.device)?.(); pending.delete(fields.device); }
    if (component === "cloud" && event === "restarted") stackEvents.restart = { ...fields };
    // The controller heard setup_result activation_failed: the installer adds the unit again.
    if (event === "provision_failed" && typeof fields?.device === "string") retryActivation(fields.device);
    if (/failed|crash|error/.test(event)) { stackEvents.failures++; if (stackEvents.failures <= 5) say(`stack ${component} ${event} ${JSON.stringify(fields ?? {})}`); }
  },
});
let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  for (const h of hosts) h.stop();
  void stack.close().finally(() => process.exit(130));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
say(`stack up: ${broker} (discovery ${stack.discovery.mqttPort}, cloud ${stack.cloud.port})`);

// ---- identities ---------------------------------------------------------------------------------
const tId = performance.now();
const units: Unit[] = [];
// Generated identities are kept for the next run (build/, never committed): same CA, same units.
const caTag = createHash("sha256").update(stack.caPem).digest("hex").slice(0, 12);
const cacheFile = join(a.out, `identities-${caTag}.jsonl`);
const cached: FactoryIdentity[] = [];
try {
  for (const line of readFileSync(cacheFile, "utf8").split("\n")) if (line) cached.push(JSON.parse(line) as FactoryIdentity);
} catch { /* first run */ }
const made: FactoryIdentity[] = [];
for (let i = cached.length; i < N; i += 250) {
  made.push(...await Promise.all(Array.from({ length: Math.min(250, N - i) }, (_, k) =>
    createNativeIdentity(stack.ca, "socket", `fleet-${String(i + k).padStart(5, "0")}`, randomActivationCode()))));
}
if (made.length) {
  mkdirSync(a.out, { recursive: true });
  appendFileSync(cacheFile, made.map((m) => JSON.stringify(m) + "\n").join(""), { mode: 0o600 });
}
for (const id of [...cached, ...made].slice(0, N)) {
  stack.registry.add(id);
  units.push({ identity: { deviceId: id.deviceId, activationCode: id.activationCode, deviceType: id.deviceType }, tls: { caPem: stack.caPem, certPem: id.certPem, keyPem: id.keyPem } });
}
const identitiesMs = performance.now() - tId;
say(`${N} identities (ECDSA P-256, signed by the CA): ${made.length} made in ${(identitiesMs / 1000).toFixed(2)} s${made.length < N ? `, ${N - made.length} reused from ${cacheFile}` : ""}`);

// ---- measurement --------------------------------------------------------------------------------
interface Bucket { attempts: number; connects: number }
const buckets: Bucket[] = [];
const bucket = (): Bucket => {
  const i = Math.floor(sec());
  while (buckets.length <= i) buckets.push({ attempts: 0, connects: 0 });
  return buckets[i];
};
let operational = 0;
let everOperational = 0;
let failedAttempts = 0;
const samples: Sample[] = [];
const isOp = new Uint8Array(N);
let allOperationalAt: number | undefined;
let restartedAt: number | undefined;
let allBackAt: number | undefined;
const load = (): number[] => loadavg().map((x) => +x.toFixed(2));
const loadAtStart = load();
let loadAtRestart: number[] | undefined;
const cpu0 = process.cpuUsage();
const brokerCpu0 = brokerCpuSeconds(stack.brokerPids());
global.gc?.();
const mem0 = process.memoryUsage();

const wifi = (): WiFiPort => ({
  wps: (_t, done) => setImmediate(() => done({ ok: true, ssid: "FleetHome", password: "fleet-home-pass" })),
  join: (_s, _p, done) => setImmediate(() => done({ ok: true })),
  disconnect: () => {},
});
const noMdns: DiscoveryPort = { browse: (_w, done) => setImmediate(() => done(null)) };
const counted = (port: MqttPort): MqttPort => ({
  connect: (o, h) => {
    bucket().attempts++;
    return port.connect(o, { ...h, onConnected: () => { bucket().connects++; h.onConnected(); } });
  },
});
const stateRoot = a.store === "file" ? mkdtempSync(join(tmpdir(), "mqtt2go-fleet-")) : "";

const hosts: NodeDevice[] = [];
function boot(i: number): void {
  const unit = units[i];
  hosts.push(startNodeDevice({
    unit,
    discovery: { host: stack.discovery.host, port: stack.discovery.mqttPort },
    stateDir: a.store === "file" ? join(stateRoot, unit.identity.deviceId) : "",
    radio: stack.radio,
    wps: "ok",
    store: a.store === "memory" ? nvsChecked(new MemoryStore()) : undefined,
    wifi: wifi(),
    discoveryPort: a.mdns ? undefined : noMdns,
    mdnsWindowMs: a.mdns ? 600 : undefined,
    mqtt: counted,
    log: process.env.FLEET_LOG ? "text" : "none",
    onPhase: (phase) => {
      if (phase === "operational" && !isOp[i]) {
        isOp[i] = 1;
        operational++;
        if (operational > everOperational) everOperational = operational;
        if (operational === N) {
          if (allOperationalAt === undefined) { allOperationalAt = sec(); say(`all ${N} operational`); }
          else if (restartedAt !== undefined && allBackAt === undefined) { allBackAt = sec(); say(`all ${N} back after the restart`); }
        }
      } else if (phase !== "operational" && isOp[i]) {
        isOp[i] = 0;
        operational--;
      }
      if (phase === "unprovisioned") failedAttempts++;
    },
  }));
}

// ---- paced activations ----------------------------------------------------------------------------
const controller = await stack.controller("cloud");
let activationRetries = 0;
function retryActivation(deviceId: string): void {
  const id = units.find((u) => u.identity.deviceId === deviceId)?.identity;
  if (!id || activationRetries >= N) return;
  activationRetries++;
  setTimeout(() => void controller.addDevice({ activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType }), 2000);
}
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();
const tick = setInterval(() => {
  const b = buckets[Math.floor(sec()) - 1];
  samples.push({ t: Math.floor(sec()), connectsPerS: b?.connects ?? 0, attemptsPerS: b?.attempts ?? 0, operational });
  if (samples.length % 5 === 0) {
    say(`booted ${hosts.length}, operational ${operational}, connects ${b?.connects ?? 0}/s (attempts ${b?.attempts ?? 0}/s), event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms`);
    lag.reset();
  }
  controller.received.length = 0; // the controller hears the whole fleet; keep none of it
}, 1000);

const tStart = sec();
let started = 0;
await new Promise<void>((resolve) => {
  const next = (): void => {
    const due = Math.min(N, Math.floor((sec() - tStart) * rate) + 1);
    for (; started < due; started++) {
      const i = started;
      const id = units[i].identity;
      pending.set(id.deviceId, () => boot(i));
      void controller.addDevice({ activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType });
    }
    if (started < N) setTimeout(next, 20);
    else resolve();
  };
  next();
});
say(`${N} activations started (${rate}/s)`);

// ---- the storm ------------------------------------------------------------------------------------
const deadline = T0 + timeoutS * 1000;
const until = async (cond: () => boolean): Promise<boolean> => {
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
};
await until(() => allOperationalAt !== undefined || (restartAt !== undefined && sec() >= restartAt));
let peakReconnect: { perS: number; pct: number; at: number; pct5: number } | undefined;
if (restartAt !== undefined) {
  // Not before the fleet is up: the storm is measured on operational sessions.
  await until(() => sec() >= restartAt && allOperationalAt !== undefined);
  loadAtRestart = load();
  say(`restarting the cloud broker (${operational} operational, load ${loadAtRestart.join(" ")})`);
  restartedAt = sec();
  await stack.restartCloud(0);
  say(`cloud broker back ${JSON.stringify(stackEvents.restart)}`);
  await until(() => allBackAt !== undefined);
  const from = Math.floor(restartedAt);
  const storm = buckets.slice(from).map((b, k) => ({ at: from + k, perS: b.connects }));
  const peak = storm.reduce((m, x) => (x.perS > m.perS ? x : m), { at: from, perS: 0 });
  // A uniform 20 s spread is 5 %/s on average; a 1 s bin also holds the draw's noise (≈ √(N/20)).
  let peak5 = 0;
  for (let k = 0; k + 5 <= storm.length; k++) peak5 = Math.max(peak5, storm.slice(k, k + 5).reduce((x, y) => x + y.perS, 0) / 5);
  peakReconnect = { perS: peak.perS, pct: (100 * peak.perS) / N, at: peak.at - restartedAt, pct5: (100 * peak5) / N };
} else {
  await until(() => allOperationalAt !== undefined);
}
await new Promise((r) => setTimeout(r, 1100));
clearInterval(tick);

// ---- summary --------------------------------------------------------------------------------------
global.gc?.();
const mem1 = process.memoryUsage();
const cpu = process.cpuUsage(cpu0);
const brokerCpu = brokerCpuSeconds(stack.brokerPids()) - brokerCpu0;
const wall = sec() - tStart;
const summary = {
  devices: N, broker, rate_per_s: rate, store: a.store, mdns: a.mdns,
  identities_made: made.length,
  identities_s: +(identitiesMs / 1000).toFixed(2),
  all_operational_s: allOperationalAt === undefined ? null : +(allOperationalAt - tStart).toFixed(1),
  operational_at_end: operational,
  failures: N - operational,
  failed_attempts: failedAttempts,
  activation_retries: activationRetries,
  stack_errors: stackEvents.failures,
  peak_connects_per_s: Math.max(0, ...buckets.map((b) => b.connects)),
  restart: restartedAt === undefined ? null : {
    at_s: +(restartedAt - tStart).toFixed(1),
    all_back_s: allBackAt === undefined ? null : +(allBackAt - restartedAt).toFixed(1),
    peak_reconnects_per_s: peakReconnect?.perS ?? 0,
    peak_reconnect_pct_per_s: +(peakReconnect?.pct ?? 0).toFixed(2),
    peak_reconnect_pct_per_s_5s_mean: +(peakReconnect?.pct5 ?? 0).toFixed(2),
    peak_at_s: peakReconnect?.at === undefined ? null : +peakReconnect.at.toFixed(1),
    broker: stackEvents.restart,
  },
  load_avg: { start: loadAtStart, restart: loadAtRestart ?? null, end: load() },
  memory_per_unit_kib: { rss: +((mem1.rss - mem0.rss) / N / 1024).toFixed(1), heap: +((mem1.heapUsed - mem0.heapUsed) / N / 1024).toFixed(1) },
  cpu_s: { node: +((cpu.user + cpu.system) / 1e6).toFixed(1), brokers: +brokerCpu.toFixed(1), wall: +wall.toFixed(1) },
  note: "one Node process runs the units and the stack's services; memory per unit is the process's growth / N",
};
mkdirSync(a.out, { recursive: true });
const base = join(a.out, `fleet-${N}${restartedAt !== undefined ? "-storm" : ""}`);
writeFileSync(`${base}.json`, JSON.stringify({ summary, samples }, null, 1) + "\n");
try {
  writeFileSync(`${base}.svg`, await plotFleet(samples, `${N} units, ${broker}${restartedAt !== undefined ? `, cloud broker restarted at ${summary.restart!.at_s} s` : ""}`));
} catch (err) {
  say(`plot failed: ${(err as Error).message}`);
}
process.stdout.write("\n" + Object.entries(summary).map(([k, v]) => `${k.padEnd(22)} ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`).join("\n") + `\n\nwrote ${base}.json and ${base}.svg\n`);

for (const h of hosts) h.stop();
await stack.close();
if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
process.exit(summary.failures === 0 ? 0 : 1);

/** utime + stime of processes, in seconds (Linux /proc). */
function brokerCpuSeconds(pids: number[]): number {
  let s = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      s += (Number(f[11]) + Number(f[12])) / 100;
    } catch { /* gone */ }
  }
  return s;
}
