// Core throughput on whichever engine runs this bundle (xsnap or Node): a full cloud onboarding
// through the reducer, decoding a command, and a credential-record commit into an NVS-shaped store.
import { transition, initialState, type Event } from "../src/core/onboarding";
import { decodeCommand } from "../src/core/messages";
import { CredentialStore } from "../src/core/record";
import { MemoryStore } from "../src/core/nvs";
import { AC, DID, brokerData, homePrefix, provisionedRecord, seeded, testConfig } from "../tests/core/onboarding-kit";

declare const print: ((s: string) => void) | undefined;
const out = (s: string) => (typeof print === "function" ? print(s) : (globalThis as unknown as { console: { log(s: string): void } }).console.log(s));
const now = () => (globalThis as unknown as { performance: { now(): number } }).performance.now();

function bench(name: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(50, n); i++) fn(i);
  const t0 = now();
  for (let i = 0; i < n; i++) fn(i);
  const ms = now() - t0;
  out(`${name}: ${(ms * 1000 / n).toFixed(1)} µs/op (${n} ops, ${ms.toFixed(0)} ms)`);
}

const config = testConfig();
const ctx = { config, random: seeded(1), unixSeconds: 1_790_000_000 };
const session = (s: { session: number }) => s.session;
bench("reducer: complete cloud onboarding (7 events)", 2000, () => {
  let s = initialState();
  const step = (e: Event) => { s = transition(s, e, ctx).state; };
  step({ type: "boot", record: null });
  step({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  step({ type: "mdns_done", found: null });
  step({ type: "mqtt_connected", session: session(s) });
  step({ type: "mqtt_message", session: session(s), topic: `${AC}/activation/in`, payload: brokerData(), bytes: 300 });
  step({ type: "mqtt_connected", session: session(s) });
  step({ type: "mqtt_message", session: session(s), topic: `${DID}/home/in`, payload: homePrefix(), bytes: 100 });
});
const cmd = JSON.stringify({ type: "set", timestamp: 1790000000, value: "on" });
bench("decode a command", 20000, () => { decodeCommand(cmd); });
const store = new CredentialStore(new MemoryStore());
const rec = provisionedRecord();
bench("credential record commit (two-slot, checksummed)", 500, () => store.commit(rec));
bench("credential record load + verify", 500, () => { store.load(); });
