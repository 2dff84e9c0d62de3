// Property-based fuzzing (fast-check) of the state machine through the real Device runtime, per
// inbound kind: 10^4 cases on Node, 10^3 on XS. Invariant on every input the kind's decoder refuses:
// no throw, no state change, no flash write, no session or timer change, at most one error report.
// Then random event sequences through the pure reducer: it never throws and every record it
// commits is one the credential store accepts.
import { assert, equal, say, test } from "../harness";
import { MemoryStore } from "../../src/core/nvs";
import { type Event, type Phase, initialState, transition } from "../../src/core/onboarding";
import { CredentialStore } from "../../src/core/record";
import { INBOUND_KINDS, lookAlikeTopics } from "../malformed-catalog";
import { ENGINE, RUNS, SEED, fc, inboundPayload } from "./fuzz-arbitraries";
import { P, acceptedAs, awaiting, deliverUnchanged, isEntityKind } from "./inbound-kit";
import { AC, DID, brokerData, creds, homePrefix, provisionedRecord, rename, testConfig, wifiCreds } from "./onboarding-kit";

for (const kind of INBOUND_KINDS) {
  test(`reducer, ${kind}: ${RUNS} fuzzed payloads; refused ones change nothing and get at most one error report`, () => {
    const { p, d, topic } = awaiting(kind);
    let refused = 0, reports = 0;
    fc.assert(fc.property(inboundPayload(kind, DID), (payload) => {
      if (acceptedAs(kind, payload)) return; // valid input may change the state
      refused++;
      // A decodable command may be valid for the entity: then its one reply is a confirmation.
      reports += deliverUnchanged(p, d, topic, payload, isEntityKind(kind) ? 1 : 0, `${kind} payload`, kind !== "command");
    }), { numRuns: RUNS, seed: SEED });
    assert(refused >= RUNS / 2, `only ${refused} of ${RUNS} cases were refused inputs`);
    say(`[${ENGINE}] reducer ${kind}: ${RUNS} cases, ${refused} refused, ${reports} replies`);
  });
}

test(`reducer, look-alike topics: ${RUNS} fuzzed topics never reach an entity other than by its exact topic`, () => {
  const { p, d } = awaiting("command");
  const known = lookAlikeTopics(P, DID, AC);
  const levels = ["home1", "gw1", DID, "switch", "in", "out", "+", "#", "", AC, "home", "activation"];
  const topic = fc.oneof(
    fc.constantFrom(...known),
    fc.array(fc.oneof(fc.constantFrom(...levels), fc.string({ maxLength: 8 })), { minLength: 0, maxLength: 7 }).map((l) => l.join("/")),
    fc.string({ unit: "binary", maxLength: 80 }),
  );
  let n = 0;
  fc.assert(fc.property(topic, (t) => {
    if (/^home1\/gw1\/dev-socket-0001\/(switch|power|energy)\/in$/.test(t) || t === `${DID}/home/in`) return;
    n++;
    deliverUnchanged(p, d, t, JSON.stringify({ timestamp: 1, type: "set", value: "on" }), 1, `topic ${JSON.stringify(t)}`);
  }), { numRuns: RUNS, seed: SEED });
  assert(!p.lines.some((l) => l.event === "command.applied"), "a command was applied from another topic");
  say(`[${ENGINE}] reducer look-alike topics: ${n} topics refused`);
});

const PHASES = new Set<Phase>(["boot", "unprovisioned", "wifi_wps", "wifi_guest", "discover", "activate_local", "activate_cloud", "wifi_home", "rediscover", "connect", "home_prefix", "operational", "removing"]);

test(`reducer: ${RUNS / 10} random sequences of 40 events never throw, and every committed record loads back`, () => {
  const config = testConfig();
  const topics = [`${AC}/activation/in`, `${AC}/wifi/in`, `${DID}/home/in`, `${P}/switch/in`, `${P}/remove/in`, `${P}/about/in`];
  const payloads = [brokerData(), creds(), wifiCreds(), homePrefix(), rename(), "{\"type\":\"set\",\"value\":\"on\"}", "{\"type\":\"control\",\"value\":\"true\"}", "junk"];
  const event: fc.Arbitrary<(session: number) => Event> = fc.oneof(
    { weight: 3, arbitrary: fc.constant((s: number): Event => ({ type: "mqtt_connected", session: s })) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...topics), fc.constantFrom(...payloads)).map(([topic, payload]) => (s: number): Event => ({ type: "mqtt_message", session: s, topic, payload, bytes: payload.length })) },
    fc.constantFrom<Event>({ type: "boot", record: null }, { type: "boot", record: provisionedRecord() }, { type: "boot", record: provisionedRecord({ home: undefined }) },
      { type: "start" }, { type: "factory_reset" }, { type: "store_failed", error: "flash", purpose: "rename", before: initialState() },
      { type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } }, { type: "wps_done", result: { ok: false, reason: "timeout" } },
      { type: "wifi_done", result: { ok: true } }, { type: "wifi_done", result: { ok: false, reason: "no ap" } },
      { type: "mdns_done", found: null }, { type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 } }).map((e) => (): Event => e),
    fc.constantFrom("window", "retry", "reconnect", "stable", "report", "restart" as const).map((name) => (): Event => ({ type: "timer", name })),
    fc.integer({ min: -1, max: 1 }).map((off) => (s: number): Event => ({ type: "mqtt_connected", session: s + off })),
    fc.tuple(fc.integer({ min: -1, max: 0 }), fc.constantFrom("auth", "tls", "refused", "network", "timeout", "closed" as const)).map(([off, reason]) => (s: number): Event => ({ type: "mqtt_closed", session: s + off, reason, detail: "x" })),
    fc.tuple(fc.constantFrom(...topics), fc.constantFrom(...payloads)).map(([topic, payload]) => (s: number): Event => ({ type: "mqtt_message", session: s, topic, payload, bytes: payload.length })),
  );
  let steps = 0, commits = 0;
  const connected = (s: number): Event => ({ type: "mqtt_connected", session: s });
  const starts: ((s: number) => Event)[][] = [
    [],
    [() => ({ type: "boot", record: null })],
    [() => ({ type: "boot", record: null }), () => ({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } }), () => ({ type: "mdns_done", found: null }), connected],
    [() => ({ type: "boot", record: null }), () => ({ type: "wps_done", result: { ok: false, reason: "timeout" } }), () => ({ type: "wifi_done", result: { ok: true } }),
      () => ({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 } }), connected],
    [() => ({ type: "boot", record: provisionedRecord() }), () => ({ type: "wifi_done", result: { ok: true } }), connected],
    [() => ({ type: "boot", record: provisionedRecord({ home: undefined, broker: { kind: "local", host: "192.168.1.10", port: 8883 } }) }), () => ({ type: "wifi_done", result: { ok: true } })],
  ];
  fc.assert(fc.property(fc.constantFrom(...starts), fc.array(event, { minLength: 10, maxLength: 40 }), (start, more) => {
    const events = [...start, ...more];
    let state = initialState();
    const store = new CredentialStore(new MemoryStore());
    for (const make of events) {
      const r = transition(state, make(state.session), { config, random: () => 0.5, unixSeconds: 1_790_000_000 });
      state = r.state;
      steps++;
      assert(PHASES.has(state.phase), `phase ${state.phase}`);
      for (const e of r.effects) {
        if (e.kind !== "store_commit") continue;
        commits++;
        store.commit(e.record);
        equal(JSON.stringify(store.load().record), JSON.stringify(e.record), "a committed record loads back unchanged");
      }
    }
  }), { numRuns: RUNS / 10, seed: SEED });
  say(`[${ENGINE}] reducer sequences: ${RUNS / 10} sequences, ${steps} events, ${commits} records committed and read back`);
});
