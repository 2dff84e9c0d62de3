// npm run fleet -- --devices N: N units of the real device core (the Node host's ports) in a few
// unit processes (hosts/node/fleet-worker.ts) against the development stack in this one, each unit
// with its own generated identity; paced cloud activations; a summary (time to all operational,
// failures, memory per unit, CPU) and a plot of
// connects/s and operational units over time. `--restart-broker-at S` restarts the cloud broker
// S seconds into the run and measures the reconnect storm (PROTOCOL §10).
import { fork, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { randomActivationCode, type FactoryIdentity } from "../../stack/certs";
import { startStack, type Stack } from "../../stack/index";
import type { BrokerBackend } from "../../stack/home-service";
import { mosquittoAvailable } from "../../stack/mosquitto";
import { createNativeIdentity } from "../../stack/x509";
import type { FromWorker, ToWorker, WorkerFinal } from "./fleet-ipc";
import { ROOT } from "./identity";
import { plotFleet, type Sample } from "./fleet-plot";

const HELP = `npm run fleet -- --devices N [options]

  --devices N             units to run (default 100)
  --procs K               unit processes (default: one per 1,250 units, at most 8)
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
    devices: { type: "string", default: "100" }, procs: { type: "string" }, broker: { type: "string" }, rate: { type: "string", default: "50" },
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
const procs = Math.min(N, Math.floor(num("procs", a.procs, 1) ?? Math.min(8, Math.ceil(N / 1250))));
const restartAt = num("restart-broker-at", a["restart-broker-at"], 1);
const timeoutS = num("timeout", a.timeout, 1)!;
const broker = (a.broker ?? (mosquittoAvailable() ? "mosquitto" : "aedes")) as BrokerBackend;
if (broker !== "aedes" && broker !== "mosquitto") fail(`--broker is aedes or mosquitto, got "${String(broker)}"`);
if (restartAt !== undefined && broker !== "mosquitto") fail("--restart-broker-at needs --broker mosquitto");
if (a.store !== "memory" && a.store !== "file") fail(`--store is memory or file, got "${a.store}"`);

const say = (s: string): void => { process.stdout.write(`[fleet ${((performance.now() - T0) / 1000).toFixed(1).padStart(6)} s] ${s}\n`); };
const T0 = performance.now();
const T0wall = Date.now();
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
const workers: ChildProcess[] = [];
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  for (const w of workers) w.kill();
  void stack.close().finally(() => process.exit(130));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
say(`stack up: ${broker} (discovery ${stack.discovery.mqttPort}, cloud ${stack.cloud.port})`);

// ---- identities ---------------------------------------------------------------------------------
const tId = performance.now();
const units: Array<{ deviceId: string; activationCode: string; deviceType: string }> = [];
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
  units.push({ deviceId: id.deviceId, activationCode: id.activationCode, deviceType: id.deviceType });
}
const madeCount = made.length;
cached.length = 0;
made.length = 0;
const identitiesMs = performance.now() - tId;
say(`${N} identities (ECDSA P-256, signed by the CA): ${madeCount} made in ${(identitiesMs / 1000).toFixed(2)} s${madeCount < N ? `, ${N - madeCount} reused from ${cacheFile}` : ""}`);

// ---- measurement --------------------------------------------------------------------------------
interface Bucket { attempts: number; connects: number }
const buckets: Bucket[] = [];
const connectTimes: number[] = [];
/** The bucket of the second a wall-clock time (ms) falls in, counted from the start. */
const bucketAt = (wallMs: number): Bucket => {
  const i = Math.max(0, Math.floor((wallMs - T0wall) / 1000));
  while (buckets.length <= i) buckets.push({ attempts: 0, connects: 0 });
  return buckets[i];
};
let operational = 0;
let failedAttempts = 0;
let workerLagMs = 0;
const samples: Sample[] = [];
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
const stateRoot = a.store === "file" ? mkdtempSync(join(tmpdir(), "mqtt2go-fleet-")) : "";

function changed(delta: 1 | -1): void {
  operational += delta;
  if (delta > 0 && operational === N) {
    if (allOperationalAt === undefined) { allOperationalAt = sec(); say(`all ${N} operational`); }
    else if (restartedAt !== undefined && allBackAt === undefined) { allBackAt = sec(); say(`all ${N} back after the restart`); }
  }
}

// ---- unit processes -------------------------------------------------------------------------------
const per = Math.ceil(N / procs);
const finals: WorkerFinal[] = [];
await Promise.all(Array.from({ length: procs }, (_, k) => new Promise<void>((ready, failed) => {
  // execArgv is inherited: the workers load TypeScript through tsx and may call gc() too.
  const w = fork(join(ROOT, "hosts/node/fleet-worker.ts"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  workers.push(w);
  w.on("message", (m: FromWorker) => {
    if (m.t === "ready") ready();
    else if (m.t === "final") finals.push(m);
    else {
      for (const t of m.attempts) bucketAt(t).attempts++;
      for (const t of m.connects) { bucketAt(t).connects++; connectTimes.push(t); }
      for (const d of m.operational) changed(d);
      failedAttempts += m.unprovisioned;
      workerLagMs = Math.max(workerLagMs, m.lagP99Ms);
    }
  });
  w.once("exit", (code) => { if (!closing && finals.length < procs) { failed(new Error(`unit process ${k} exited (${code})`)); say(`unit process ${k} exited (${code})`); } });
  const init: ToWorker = {
    t: "init", identities: cacheFile, from: k * per, to: Math.min(N, (k + 1) * per), caPem: stack.caPem,
    discovery: { host: stack.discovery.host, port: stack.discovery.mqttPort }, store: a.store as "memory" | "file",
    stateRoot, mdns: a.mdns, log: Boolean(process.env.FLEET_LOG),
  };
  w.send(init);
})));
say(`${procs} unit process${procs > 1 ? "es" : ""}, ${per} units each at most`);
const boot = (i: number): void => { workers[Math.floor(i / per)].send({ t: "boot", i } satisfies ToWorker); };

// ---- paced activations ----------------------------------------------------------------------------
const controller = await stack.controller("cloud");
let activationRetries = 0;
function retryActivation(deviceId: string): void {
  const id = units.find((u) => u.deviceId === deviceId);
  if (!id || activationRetries >= N) return;
  activationRetries++;
  setTimeout(() => void controller.addDevice({ activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType }), 2000);
}
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();
let started = 0;
const tick = setInterval(() => {
  const b = buckets[Math.floor(sec()) - 1];
  samples.push({ t: Math.floor(sec()), connectsPerS: b?.connects ?? 0, attemptsPerS: b?.attempts ?? 0, operational });
  if (samples.length % 5 === 0) {
    say(`activations ${started}, operational ${operational}, connects ${b?.connects ?? 0}/s (attempts ${b?.attempts ?? 0}/s), event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms here, ${workerLagMs} ms in the unit processes`);
    lag.reset();
    workerLagMs = 0;
  }
  controller.received.length = 0; // the controller hears the whole fleet; keep none of it
}, 1000);

const tStart = sec();
await new Promise<void>((resolve) => {
  const next = (): void => {
    const due = Math.min(N, Math.floor((sec() - tStart) * rate) + 1);
    for (; started < due; started++) {
      const i = started;
      const id = units[i];
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
let stormBins: number[] | null = null;
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
  // 1 s bins from the moment of the restart: the onboarding's last connects are not the storm's.
  const restartWall = T0wall + restartedAt * 1000;
  const storm: number[] = [];
  for (const t of connectTimes) {
    if (t < restartWall) continue;
    const k = Math.floor((t - restartWall) / 1000);
    while (storm.length <= k) storm.push(0);
    storm[k]++;
  }
  const at = storm.reduce((m, x, k) => (x > storm[m] ? k : m), 0);
  // A uniform 20 s spread is 5 %/s on average; a 1 s bin also holds the draw's noise (≈ √(N/20)).
  let peak5 = 0;
  for (let k = 0; k + 5 <= storm.length; k++) peak5 = Math.max(peak5, storm.slice(k, k + 5).reduce((x, y) => x + y, 0) / 5);
  peakReconnect = { perS: storm[at] ?? 0, pct: (100 * (storm[at] ?? 0)) / N, at, pct5: (100 * peak5) / N };
  stormBins = storm;
} else {
  await until(() => allOperationalAt !== undefined);
}
await new Promise((r) => setTimeout(r, 1100));
clearInterval(tick);

// ---- summary --------------------------------------------------------------------------------------
// The units stop first: each process reports its memory growth and CPU time as it goes.
closing = true;
await new Promise<void>((done) => {
  const t = setTimeout(done, 10_000);
  for (const w of workers) {
    w.once("exit", () => { if (workers.every((x) => x.exitCode !== null || x.signalCode !== null)) { clearTimeout(t); done(); } });
    w.send({ t: "stop" } satisfies ToWorker);
  }
});
// Samples are re-read from the buckets: a unit process's batch may have come after the sampler's second.
for (const x of samples) {
  const b = buckets[x.t - 1];
  x.connectsPerS = b?.connects ?? 0;
  x.attemptsPerS = b?.attempts ?? 0;
}
const unitsRss = finals.reduce((m, f) => m + f.rssGrowth, 0);
const unitsHeap = finals.reduce((m, f) => m + f.heapGrowth, 0);
const unitsCpu = finals.reduce((m, f) => m + f.cpuS, 0);
global.gc?.();
const mem1 = process.memoryUsage();
const cpu = process.cpuUsage(cpu0);
const brokerCpu = brokerCpuSeconds(stack.brokerPids()) - brokerCpu0;
const wall = sec() - tStart;
const summary = {
  devices: N, broker, rate_per_s: rate, store: a.store, mdns: a.mdns,
  procs,
  identities_made: madeCount,
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
  memory_per_unit_kib: { rss: +(unitsRss / N / 1024).toFixed(1), heap: +(unitsHeap / N / 1024).toFixed(1), stack_rss: +((mem1.rss - mem0.rss) / N / 1024).toFixed(1) },
  cloud_account_reloads: stack.cloudReloads() ?? null,
  cpu_s: { units: +unitsCpu.toFixed(1), stack: +((cpu.user + cpu.system) / 1e6).toFixed(1), brokers: +brokerCpu.toFixed(1), wall: +wall.toFixed(1) },
  note: `${procs} unit process(es) run the units, one more the stack's services; memory per unit is the unit processes' growth / N (stack_rss: the stack process's growth / N)`,
};
mkdirSync(a.out, { recursive: true });
const base = join(a.out, `fleet-${N}${restartedAt !== undefined ? "-storm" : ""}`);
writeFileSync(`${base}.json`, JSON.stringify({ summary, storm_connects_per_s: stormBins, samples }, null, 1) + "\n");
try {
  writeFileSync(`${base}.svg`, await plotFleet(samples, `${N} units, ${broker}${restartedAt !== undefined ? `, cloud broker restarted at ${summary.restart!.at_s} s` : ""}`));
} catch (err) {
  say(`plot failed: ${(err as Error).message}`);
}
process.stdout.write("\n" + Object.entries(summary).map(([k, v]) => `${k.padEnd(22)} ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`).join("\n") + `\n\nwrote ${base}.json and ${base}.svg\n`);

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
