// mqtt2go-device: the device core on Node, from the command line.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseBrokerAddress } from "../../src/core/messages";
import type { Phase } from "../../src/core/onboarding";
import { SimRadio } from "../../stack/radio";
import { startNodeDevice } from "./device-host";
import { DEV_IDENTITY_DIR, loadUnit } from "./identity";
import type { WpsMode } from "./ports/wifi";

const HELP = `mqtt2go-device — run an MQTT2GO end device (the firmware's core) on Node

  --identity DIR        factory identity folder (identity.json + cert + key); default: the dev identity
  --id ID --code AC --type TYPE        override the identity's device id, activation code, device type
  --ca FILE --cert FILE --key FILE     factory CA, client certificate, PKCS#8 key (PEM or DER)
  --discovery HOST:PORT discovery server's MQTT broker (default 127.0.0.1:8883)
  --state DIR           persistent store (the device's flash); default .state/<device id>
  --wps ok|fail|timeout WPS outcome (default ok)   --wps-walk MS   how long an unanswered WPS run lasts
  --home-ssid S --home-pass P          the simulated home network (must match the gateway's)
  --guest               the gateway's guest network MQTT2GO is up (local guest flow)
  --mdns-window MS      mDNS browse window (default 3000)   --mdns-port N   mDNS port (default 5353)
  --window MS           activation window (default 900000)
  --store-delay MS      fault injection: every flash write takes MS (power-cut tests)
  --until PHASE         exit 0 when PHASE is reached (e.g. operational); nonzero on --timeout
                        a failed onboarding always exits 1, with or without --until
  --timeout MS          give up after MS (with --until; default 60000)
  --log text|json       log format (default text)
`;

const { values: a } = parseArgs({
  options: {
    identity: { type: "string" }, id: { type: "string" }, code: { type: "string" }, type: { type: "string" },
    ca: { type: "string" }, cert: { type: "string" }, key: { type: "string" },
    discovery: { type: "string", default: "127.0.0.1:8883" }, state: { type: "string" },
    wps: { type: "string", default: "ok" }, "wps-walk": { type: "string" },
    "home-ssid": { type: "string" }, "home-pass": { type: "string" }, guest: { type: "boolean", default: false },
    "mdns-window": { type: "string" }, "mdns-port": { type: "string" }, window: { type: "string" }, "store-delay": { type: "string" },
    until: { type: "string" }, timeout: { type: "string", default: "60000" }, log: { type: "string", default: "text" },
    help: { type: "boolean", short: "h" },
  },
});

function fail(message: string, code = 2): never {
  process.stderr.write(`mqtt2go-device: ${message}\n`);
  process.exit(code);
}

if (a.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} wants a whole number, got "${v}"`);
  return n;
};

const wps = a.wps as WpsMode;
if (!["ok", "fail", "timeout"].includes(wps)) fail(`--wps is ok, fail or timeout, got "${a.wps}"`);
if (a.log !== "text" && a.log !== "json") fail(`--log is text or json, got "${a.log}"`);
const discovery = parseBrokerAddress(a.discovery);
if (!discovery.ok) fail(`--discovery: ${discovery.error.detail}`);

let unit;
try {
  unit = loadUnit({ identityDir: a.identity ?? (a.cert || a.key ? undefined : DEV_IDENTITY_DIR), id: a.id, code: a.code, type: a.type, ca: a.ca, cert: a.cert, key: a.key });
} catch (e) {
  fail((e as Error).message);
}

const stateDir = resolve(a.state ?? `.state/${unit.identity.deviceId}`);
mkdirSync(stateDir, { recursive: true });
const radio = new SimRadio({ homeSsid: a["home-ssid"], homePassword: a["home-pass"] });
if (a.guest) radio.enableGuest(unit.identity.activationCode);
const windowMs = num("window", a.window);
const until = a.until as Phase | undefined;
const timeoutMs = num("timeout", a.timeout) ?? 60_000;

const host = startNodeDevice({
  unit,
  discovery: discovery.value,
  stateDir,
  radio,
  wps,
  wpsWalkMs: num("wps-walk", a["wps-walk"]),
  mdnsWindowMs: num("mdns-window", a["mdns-window"]),
  mdnsPort: num("mdns-port", a["mdns-port"]),
  storeDelayMs: num("store-delay", a["store-delay"]),
  config: windowMs !== undefined ? { activationWindowMs: windowMs } : {},
  log: a.log,
  onPhase: (phase, state) => {
    // A failed onboarding is a failure with or without --until (the unit then waits for a button press).
    if (phase === "unprovisioned") finish(1, `onboarding failed: ${state.reason}`);
    else if (until && phase === until) finish(0, `reached ${phase}`);
  },
});

let timer: NodeJS.Timeout | undefined;
if (until) timer = setTimeout(() => finish(3, `timed out after ${timeoutMs} ms in phase ${host.device.phase}, waiting for ${until}`), timeoutMs);

function finish(code: number, why: string): void {
  if (timer) clearTimeout(timer);
  (code === 0 ? process.stdout : process.stderr).write(`mqtt2go-device: ${why}\n`);
  host.stop();
  radio.close();
  setTimeout(() => process.exit(code), 50);
}

for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => finish(130, `stopped by ${sig}`));
