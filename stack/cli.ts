// The development stack on its own, with readable logs (one line per event, no secrets).
//   npm run stack -- [--broker aedes|mosquitto] [--local] [--ttl S] [--ephemeral] [--mdns-port N] [--certs DIR] [--add ID [--name N]]
//                    [--ui [--ui-port N]] [--log text|json]

import { relative } from "node:path";
import { parseArgs } from "node:util";
import { mask } from "../src/core/mask";
import { DEV_CERTS_DIR } from "./certs";
import { FAULTS_HELP, cloudFaultProxy, startFaultConsole } from "./fault-console";
import { startStack } from "./index";
import { startControllerPage, type ControllerPage } from "./ui/index";
import { jsonLineLog, lineLog } from "./log";

const HELP = `mqtt2go stack — the MQTT2GO development stack on 127.0.0.1

  --broker B         aedes (embedded, default) or mosquitto (the Debian package) for the cloud and
                     discovery brokers; controllers log in on mosquitto's second listener
  --local            also run the local gateway (SH-GW), advertised over mDNS on loopback
  --ttl S            activation window in seconds (default 900)
  --ephemeral        ephemeral ports instead of the fixed ones below
  --mdns-port N      mDNS port on loopback (default 5353)
  --certs DIR        certs folder (default certs/dev; see certs/README.md)
  --add ID           have the controller add this unit of the registry (as the app does after
                     scanning its QR code) and wait for its setup result
  --name NAME        with --add: rename the unit once it is set up
  --ui               serve the controller page on 127.0.0.1 (add units by their label, watch them
                     onboard, rename and control them)
  --ui-port N        the page's port (default 8090; ephemeral with --ephemeral)
  --log text|json    log format (default text)

  --faults           fault proxies in front of the discovery MQTT broker (9883) and the cloud broker
                     (9884, the broker_ip devices get), driven from stdin: ${FAULTS_HELP}

Fixed ports: discovery HTTPS 8443, discovery MQTT 8883, cloud 8884, gateway 8885.
`;

const { values: a } = parseArgs({
  options: {
    local: { type: "boolean", default: false }, ttl: { type: "string" }, ephemeral: { type: "boolean", default: false },
    "mdns-port": { type: "string" }, certs: { type: "string" }, add: { type: "string" }, name: { type: "string" },
    broker: { type: "string", default: "aedes" }, faults: { type: "boolean", default: false }, ui: { type: "boolean", default: false }, "ui-port": { type: "string" },
    log: { type: "string", default: "text" }, help: { type: "boolean", short: "h" },
  },
});

function fail(message: string): never {
  process.stderr.write(`mqtt2go stack: ${message}\n`);
  process.exit(2);
}

if (a.help) { process.stdout.write(HELP); process.exit(0); }
const whole = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} wants a whole number, got "${v}"`);
  return n;
};
if (a.broker !== "aedes" && a.broker !== "mosquitto") fail(`--broker is aedes or mosquitto, got "${a.broker}"`);
if (a.log !== "text" && a.log !== "json") fail(`--log is text or json, got "${a.log}"`);

const log = a.log === "json" ? jsonLineLog() : lineLog();
const ttl = whole("ttl", a.ttl);
const certsDir = a.certs ?? DEV_CERTS_DIR;
const cloudProxy = a.faults ? await cloudFaultProxy(a.ephemeral ? 0 : 9884, log) : undefined;
const stack = await startStack({
  broker: a.broker,
  cloudBrokerIp: cloudProxy ? `127.0.0.1:${cloudProxy.port}` : undefined,
  local: a.local,
  ttlMs: ttl === undefined ? undefined : ttl * 1000,
  mdnsPort: whole("mdns-port", a["mdns-port"]),
  certsDir,
  log,
  ports: a.ephemeral ? undefined : { discoveryHttps: 8443, discoveryMqtt: 8883, cloud: 8884, gateway: 8885 },
});

log("stack", "ready", {
  discovery_https: stack.discovery.activateUrl,
  discovery_mqtt: `${stack.host}:${stack.discovery.mqttPort}`,
  cloud: `${stack.host}:${stack.cloud.port}`,
  controllers: `${stack.host}:${stack.cloud.controllerPort}`,
  broker: a.broker,
  gateway: stack.gateway ? `${stack.host}:${stack.gateway.port}` : "off",
  mdns_port: stack.gateway?.mdnsPort,
  ca: relative(process.cwd(), `${certsDir}/ca/ca.pem`),
  ttl_s: Math.round(stack.ttlMs / 1000),
});
for (const u of stack.registry.list()) log("registry", "unit", { device: u.deviceId, type: u.deviceType, activation_code: mask(u.activationCode) });

const faults = cloudProxy ? await startFaultConsole(stack, cloudProxy, a.ephemeral ? 0 : 9883, log) : undefined;
if (faults && cloudProxy) log("faults", "ready", { discovery_mqtt: `127.0.0.1:${faults.discovery.port}`, cloud: `127.0.0.1:${cloudProxy.port}`, commands: FAULTS_HELP });

let page: ControllerPage | undefined;
if (a.ui) {
  const uiPort = whole("ui-port", a["ui-port"]) ?? (a.ephemeral ? 0 : 8090);
  try {
    page = await startControllerPage(stack, { port: uiPort });
  } catch (err) {
    await stack.close();
    fail(`--ui: cannot serve the controller page on 127.0.0.1:${uiPort}: ${(err as Error).message}`);
  }
  log("stack", "controller_page", { url: page.url });
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await page?.close();
  await faults?.close();
  await stack.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

if (a.add) {
  const unit = stack.registry.get(a.add) ?? fail(`--add: no unit ${a.add} in ${relative(process.cwd(), certsDir) || "."}`);
  const controller = await stack.controller();
  log("stack", "waiting_for_device", { device: unit.deviceId, hint: `npm run device -- --discovery ${stack.host}:${stack.discovery.mqttPort}` });
  try {
    const result = await controller.onboard({ activationCode: unit.activationCode, deviceId: unit.deviceId, deviceType: unit.deviceType }, stack.ttlMs);
    if (a.name && result === "success") await controller.rename(unit.deviceId, a.name);
  } catch (err) {
    log("stack", "add_failed", { device: unit.deviceId, reason: (err as Error).message });
  }
}
