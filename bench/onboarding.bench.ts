// Cloud onboarding side by side, in one run against one stack: the device core on Node (real
// ports, no mDNS window) and a raw `mqtt` client doing the same exchanges (init session with
// GET_BROKER_DATA, operational session with home_prefix, the Last-Will reconnect with status online).
// Alternating runs; prints `RESULT {json}` with the medians.
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { MemoryStore, nvsChecked } from "../src/core/nvs";
import { decodeBrokerData, encodeGetBrokerData, encodeHomePrefixRequest, encodeStatus, encodeWill } from "../src/core/messages";
import { activationIn, activationOut, entitySubscription, homeIn, homeOut, statusOut } from "../src/core/topics";
import { randomActivationCode, type FactoryIdentity } from "../stack/certs";
import { startStack } from "../stack/index";
import { createNativeIdentity } from "../stack/x509";
import { startNodeDevice } from "../hosts/node/device-host";

const RUNS = Number(process.env.BENCH_ONBOARD_RUNS ?? 7);
const ENTITIES = [{ name: "switch", unit: "", type: "s" as const }, { name: "power", unit: "W", type: "f" as const }, { name: "energy", unit: "Ws", type: "f" as const }];
const pending = new Map<string, () => void>();
const stack = await startStack({
  log: (_c, event, f) => { if (event === "activation_pending" && typeof f?.device === "string") { pending.get(f.device)?.(); pending.delete(f.device); } },
});
const controller = await stack.controller("cloud");
let n = 0;

async function fresh(): Promise<FactoryIdentity> {
  const id = await createNativeIdentity(stack.ca, "socket", `bench-${process.pid}-${n++}`, randomActivationCode());
  stack.registry.add(id);
  const ready = new Promise<void>((r) => pending.set(id.deviceId, r));
  await controller.addDevice({ activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType });
  await ready;
  return id;
}

async function device(id: FactoryIdentity): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const host = startNodeDevice({
      unit: { identity: { deviceId: id.deviceId, activationCode: id.activationCode, deviceType: id.deviceType }, tls: { caPem: stack.caPem, certPem: id.certPem, keyPem: id.keyPem } },
      discovery: { host: stack.discovery.host, port: stack.discovery.mqttPort }, stateDir: "", radio: stack.radio, wps: "ok",
      store: nvsChecked(new MemoryStore()),
      wifi: { wps: (_t, done) => done({ ok: true, ssid: "Home", password: "home-pass-123" }), join: (_s, _p, done) => done({ ok: true }), disconnect: () => {} },
      discoveryPort: { browse: (_w, done) => done(null) },
      log: "none",
      onPhase: (p) => { if (p === "operational") { const ms = performance.now() - t0; setImmediate(() => host.stop()); resolve(ms); } },
    });
  });
}

function connect(o: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({ protocol: "mqtts", host: "127.0.0.1", ca: stack.caPem, rejectUnauthorized: true, reconnectPeriod: 0, protocolVersion: 4, noDelay: true, ...o } as IClientOptions);
    c.once("connect", () => resolve(c));
    c.once("error", reject);
  });
}
const next = (c: MqttClient, topic: string): Promise<string> => new Promise((r) => {
  const on = (t: string, p: Buffer): void => { if (t === topic) { c.off("message", on); r(p.toString()); } };
  c.on("message", on);
});

async function raw(id: FactoryIdentity): Promise<number> {
  const t0 = performance.now();
  const tls = { cert: id.certPem, key: id.keyPem };
  const init = await connect({ port: stack.discovery.mqttPort, clientId: id.deviceId, username: id.activationCode, ...tls });
  const replied = next(init, activationIn(id.activationCode));
  await init.subscribeAsync(activationIn(id.activationCode));
  init.publish(activationOut(id.activationCode), encodeGetBrokerData(0));
  const data = decodeBrokerData(await replied);
  init.end(true);
  if (!data.ok || data.value.kind !== "credentials") throw new Error("no broker data");
  const c = data.value;
  const op = { port: c.broker.port, clientId: id.deviceId, username: c.user, password: c.password, cert: c.cert, key: id.keyPem };
  const first = await connect(op);
  const prefixed = next(first, homeIn(id.deviceId));
  await first.subscribeAsync(homeIn(id.deviceId));
  first.publish(homeOut(id.deviceId), encodeHomePrefixRequest(0, ENTITIES));
  await prefixed;
  await first.endAsync();
  const p = { home: stack.cloud.home, gateway: stack.cloud.gateway, device: id.deviceId };
  const second = await connect({ ...op, will: { topic: statusOut(p), payload: Buffer.from(encodeWill()), retain: true, qos: 0 } });
  await second.subscribeAsync([homeIn(id.deviceId), entitySubscription(p)]);
  await second.publishAsync(statusOut(p), encodeStatus(0, "online"), { retain: true });
  const ms = performance.now() - t0;
  second.end(true);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const d: number[] = [], r: number[] = [];
for (let i = 0; i < RUNS + 1; i++) {
  const a = await fresh(), b = await fresh();
  const dm = await device(a), rm = await raw(b);
  if (i > 0) { d.push(dm); r.push(rm); } // the first pair warms up both
}
await controller.close();
await stack.close();
const result = { device_ms: +median(d).toFixed(1), raw_ms: +median(r).toFixed(1), ratio: +(median(d) / median(r)).toFixed(2), runs: RUNS, device_all: d.map((x) => Math.round(x)), raw_all: r.map((x) => Math.round(x)) };
console.log(`cloud onboarding (no mDNS window), medians of ${RUNS}: device ${result.device_ms} ms, raw mqtt client ${result.raw_ms} ms, ratio ${result.ratio}`);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
