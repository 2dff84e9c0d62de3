// The reducer's rules with exact values: the timers it arms (spread, rejoin jitter, backoff) from a
// constant random draw, the exact effects of each step, the 4 KiB payload limit at its edge, the
// retain flag of every request, and what it does with events in states where they do not belong.
import { assert, deepEqual, equal, test } from "../harness";
import { MAX_PAYLOAD_BYTES } from "../../src/core/json";
import type { Effect } from "../../src/core/onboarding";
import type { CloseReason } from "../../src/core/ports";
import {
  AC, DID, Rig, activationRig, brokerData, creds, homePrefix, provisionedRecord, rename, testConfig, toOperational, utf8Length, wifiCreds,
} from "./onboarding-kit";

const P = `home1/gw1/${DID}`;
const LOCAL = { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 };

/** A rig whose random source always draws `v`. */
function rig(v: number, config = testConfig()): Rig {
  const r = new Rig(config);
  (r as { random: () => number }).random = () => v;
  return r;
}

function timer(effects: Effect[], name: string): number | undefined {
  return effects.find((e): e is Extract<Effect, { kind: "timer_set" }> => e.kind === "timer_set" && e.name === name)?.ms;
}

/** The payload padded with leading blanks to exactly `bytes` UTF-8 bytes. */
function padded(payload: string, bytes: number): string {
  return " ".repeat(bytes - utf8Length(payload)) + payload;
}

test("reconnect after the broker ended an established session: floor(draw × 20 s) for reset, EOF and keep-alive loss", () => {
  for (const [draw, ms] of [[0.5, 10_000], [0.25, 5000], [0.99995, 19_999], [1, 19_999], [Number.NaN, 0], [-0.5, 0]] as const) {
    for (const reason of ["network", "closed", "timeout"] as const) {
      const r = rig(draw);
      toOperational(r);
      equal(timer(r.send({ type: "mqtt_closed", session: r.state.session, reason, detail: "" }), "reconnect"), ms, `${reason}, draw ${draw}`);
    }
  }
  // Other reasons after an established session, and any reason before CONNACK: the backoff (1 s at attempt 0).
  for (const reason of ["refused", "auth", "tls"] as const) {
    const r = rig(0.5);
    toOperational(r);
    equal(timer(r.send({ type: "mqtt_closed", session: r.state.session, reason, detail: "" }), "reconnect"), 500, reason);
  }
  const r = rig(0.5);
  toOperational(r);
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "" });
  r.send({ type: "timer", name: "reconnect" });
  equal(timer(r.send({ type: "mqtt_closed", session: r.state.session, reason: "timeout", detail: "" }), "reconnect"), 1000, "never connected: backoff attempt 1");
});

test("Wi-Fi rejoin: the pending reconnect goes after floor(draw × 1 s), in activation sessions too", () => {
  const o = rig(0.5);
  toOperational(o);
  o.send({ type: "mqtt_closed", session: o.state.session, reason: "network", detail: "" });
  deepEqual(o.send({ type: "wifi_rejoined" }).filter((e) => e.kind !== "log"), [{ kind: "timer_set", name: "reconnect", ms: 500 }]);
  equal(timer(o.send({ type: "wifi_rejoined" }), "reconnect"), 500, "again while still closed");
  for (const kind of ["local", "cloud"] as const) {
    const r = activationRig(kind);
    (r as { random: () => number }).random = () => 0.999;
    r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "" });
    equal(timer(r.send({ type: "wifi_rejoined" }), "reconnect"), 999, kind);
    const c = r.send({ type: "timer", name: "reconnect" }).find((e) => e.kind === "mqtt_connect");
    equal(c?.options.username, AC, `${kind}: the activation session again`);
    equal(c?.options.host, kind === "local" ? "192.168.1.10" : "discovery.example");
  }
});

test("a lost local activation session reconnects to the same gateway broker with backoff", () => {
  const r = activationRig("local");
  (r as { random: () => number }).random = () => 0.5;
  const fx = r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "" });
  deepEqual(fx.filter((e) => e.kind !== "log"), [
    { kind: "timer_clear", name: "retry" }, { kind: "timer_clear", name: "stable" }, { kind: "timer_clear", name: "report" },
    { kind: "timer_set", name: "reconnect", ms: 500 },
  ]);
  equal(r.state.phase, "activate_local");
  r.send({ type: "timer", name: "reconnect" });
  deepEqual(r.find("mqtt_connect")?.options, { host: "192.168.1.10", port: 8883, clientId: DID, username: AC, keepAliveS: 60, serverName: "MQTT2GO.local" });
  equal(r.find("mqtt_close"), undefined, "the lost session needs no close");
});

test("a lost operational session: timers cleared, offline indicated, reconnect armed — in that order", () => {
  const r = rig(0.5);
  toOperational(r);
  const fx = r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "" });
  deepEqual(fx.filter((e) => e.kind !== "log"), [
    { kind: "timer_clear", name: "retry" }, { kind: "timer_clear", name: "stable" }, { kind: "timer_clear", name: "report" },
    { kind: "indicate", status: "offline" }, { kind: "timer_set", name: "reconnect", ms: 10_000 },
  ]);
});

test("the periodic report re-arms itself at the report interval", () => {
  const r = new Rig(testConfig({ reportIntervalMs: 45_000 }));
  toOperational(r);
  equal(timer(r.effects, "report"), 45_000, "armed when operational");
  const session = r.state.session;
  deepEqual(r.send({ type: "timer", name: "report" }), [
    { kind: "publish_reports", session, prefix: { home: "home1", gateway: "gw1", device: DID } },
    { kind: "timer_set", name: "report", ms: 45_000 },
  ]);
});

test("no broker on the guest network: mDNS again after the 1 s-doubling backoff", () => {
  const r = rig(0.5);
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
  r.send({ type: "wifi_done", result: { ok: true } });
  for (const ms of [500, 1000, 2000]) {
    deepEqual(r.send({ type: "mdns_done", found: null }).filter((e) => e.kind !== "log"), [{ kind: "timer_set", name: "retry", ms }]);
    deepEqual(r.send({ type: "timer", name: "retry" }).filter((e) => e.kind !== "log"), [{ kind: "mdns_browse", windowMs: 3000 }]);
  }
});

test("indications: onboarding at start, connecting on a provisioned boot, removed on a factory reset during onboarding", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  deepEqual(r.findAll("indicate"), [{ kind: "indicate", status: "onboarding" }]);
  r.send({ type: "factory_reset" });
  deepEqual(r.actions, [
    { kind: "timer_clear", name: "window" }, { kind: "timer_clear", name: "retry" }, { kind: "timer_clear", name: "reconnect" },
    { kind: "timer_clear", name: "stable" }, { kind: "timer_clear", name: "report" },
    { kind: "store_erase" }, { kind: "indicate", status: "removed" }, { kind: "restart" },
  ]);
  const b = new Rig();
  b.send({ type: "boot", record: provisionedRecord() });
  deepEqual(b.findAll("indicate"), [{ kind: "indicate", status: "connecting" }]);
});

test("window expiry: the session closed, every timer cleared, the stored record erased, activation_expired shown", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, brokerData());
  r.connected();
  const session = r.state.session;
  r.send({ type: "timer", name: "window" });
  deepEqual(r.actions, [
    { kind: "mqtt_close", session },
    { kind: "timer_clear", name: "window" }, { kind: "timer_clear", name: "retry" }, { kind: "timer_clear", name: "reconnect" },
    { kind: "timer_clear", name: "stable" }, { kind: "timer_clear", name: "report" },
    { kind: "store_erase" }, { kind: "indicate", status: "activation_expired" },
  ]);
  equal(r.state.onboarding, false);
});

test("remove: confirmation (not retained), retained offline status, timers cleared, erase, removed shown, restart after the delay", () => {
  const r = new Rig(testConfig({ restartDelayMs: 750 }));
  toOperational(r);
  const session = r.state.session;
  r.message(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: "true" }));
  const offline = '{"type":"status","priority_level":3,"timestamp":1790000000,"value":"offline"}';
  deepEqual(r.actions, [
    { kind: "mqtt_publish", session, topic: `${P}/remove/out`, payload: '{"type":"command_response","priority_level":2,"timestamp":1790000000,"value":"true"}', retain: false },
    { kind: "mqtt_publish", session, topic: `${P}/status/out`, payload: offline, retain: true },
    { kind: "timer_clear", name: "window" }, { kind: "timer_clear", name: "retry" }, { kind: "timer_clear", name: "reconnect" },
    { kind: "timer_clear", name: "stable" }, { kind: "timer_clear", name: "report" },
    { kind: "store_erase" }, { kind: "indicate", status: "removed" }, { kind: "timer_set", name: "restart", ms: 750 },
  ]);
  // A button press during the restart delay: nothing left to tell the broker, restart at once.
  r.send({ type: "factory_reset" });
  equal(r.actions.filter((e) => e.kind === "mqtt_publish").length, 0, "no second offline status");
  equal(r.actions[r.actions.length - 1]?.kind, "restart");
  // A message still arriving on the session does nothing.
  r.message(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: "true" }));
  deepEqual(r.kinds(), []);
});

test("requests are never retained: GET_CREDENTIALS, GET_WIFI_CREDENTIALS, GET_BROKER_DATA, home_prefix (a retained request would be answered again later)", () => {
  const pubs = (r: Rig) => r.all.filter((e): e is Extract<Effect, { kind: "mqtt_publish" }> => e.kind === "mqtt_publish").map((e) => [e.topic, e.retain]);
  const g = activationRig("guest");
  g.message(`${AC}/activation/in`, creds());
  deepEqual(pubs(g), [[`${AC}/activation/out`, false], [`${AC}/wifi/out`, false]]);
  const c = activationRig("cloud");
  c.message(`${AC}/activation/in`, brokerData());
  c.connected();
  deepEqual(pubs(c), [[`${AC}/activation/out`, false], [`${DID}/home/out`, false]]);
});

test("home_prefix received: commit first, then the retry and the window cleared, the session closed and a connect with the Last Will", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, brokerData());
  r.connected();
  const session = r.state.session;
  r.message(`${DID}/home/in`, homePrefix());
  deepEqual(r.kinds(), ["store_commit", "time_heard", "timer_clear", "timer_clear", "mqtt_close", "mqtt_connect"]);
  deepEqual(r.findAll("timer_clear").map((e) => e.name), ["retry", "window"]);
  equal(r.find("mqtt_close")?.session, session);
  equal(r.find("mqtt_connect")?.session, session + 1);
  equal(r.state.will, true);
});

test("a commit of the credentials that fails leaves the attempt marked as having written: the window's end erases the torn write", () => {
  const r = activationRig("cloud");
  const before = r.state;
  r.message(`${AC}/activation/in`, brokerData());
  r.send({ type: "store_failed", error: "torn", purpose: "credentials", before });
  equal(r.state.storedThisAttempt, true);
  r.send({ type: "timer", name: "window" });
  assert(r.find("store_erase"), "rolled back");
});

test("a rename whose commit fails keeps the session and the name in RAM (store-failure.test.ts: the address update)", () => {
  const r = new Rig();
  toOperational(r);
  const session = r.state.session;
  const before = r.state;
  r.message(`${DID}/home/in`, rename(DID, "Hall"));
  r.send({ type: "store_failed", error: "nvs full", purpose: "rename", before });
  deepEqual(r.actions, [], "no reconnect, nothing else");
  equal(r.state.session, session);
  equal(r.state.record?.name, "Hall");
  equal(r.state.phase, "operational");
});

test("rename: a change of the name or of the groups alone is stored; the same name and groups again are not", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord({ name: "Hall", groups: ["kitchen"] }) });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.connected();
  const cases: [string, string[], boolean][] = [
    ["Hall", ["kitchen"], false],
    ["Hall", ["kitchen", "g2"], true], // one group added
    ["Hall", ["kitchen", "g3"], true], // one of two changed
    ["Hall", ["g3", "kitchen"], true], // order changed
    ["Hall", ["g3"], true], // one removed
    ["Hall", [], true],
    ["Hall", [], false],
    ["Hallway", [], true], // the name alone
  ];
  for (const [name, groups, stored] of cases) {
    r.message(`${DID}/home/in`, rename(DID, name, groups));
    equal(r.find("store_commit") !== undefined, stored, `${name} ${JSON.stringify(groups)}`);
    deepEqual(r.state.record?.groups, groups);
    equal(r.state.record?.name, name);
  }
  // A record stored without groups (a name only): the same name with no groups writes nothing.
  const n = new Rig();
  n.send({ type: "boot", record: provisionedRecord({ name: "Hall" }) });
  n.send({ type: "wifi_done", result: { ok: true } });
  n.connected();
  n.message(`${DID}/home/in`, rename(DID, "Hall", []));
  equal(n.find("store_commit"), undefined);
  deepEqual(n.logs(), ["rename.unchanged"]);
});

test("about before any rename: empty name and groups", () => {
  const r = new Rig();
  toOperational(r);
  r.message(`${P}/about/in`, JSON.stringify({ type: "query", timestamp: 1, value: "about" }));
  const v = (JSON.parse(r.find("mqtt_publish")?.payload ?? "{}") as { value: { device_name: string; groups: string[] } }).value;
  equal(v.device_name, "");
  deepEqual(v.groups, []);
  r.message(`${P}/about/in`, JSON.stringify({ type: "query", timestamp: 1, value: 7 }));
  deepEqual(r.findAll("mqtt_publish").map((e) => e.topic), [`${P}/about/out`], "a bad query gets its error on about/out");
});

test("the 4 KiB limit at its edge: a reply, a home/in message and a command of exactly 4096 bytes are taken, 4097 refused", () => {
  const c = activationRig("cloud");
  c.send({ type: "mqtt_message", session: c.state.session, topic: `${AC}/activation/in`, payload: padded(brokerData(), MAX_PAYLOAD_BYTES + 1), bytes: MAX_PAYLOAD_BYTES + 1 });
  equal(c.find("store_commit"), undefined);
  c.message(`${AC}/activation/in`, padded(brokerData(), MAX_PAYLOAD_BYTES));
  assert(c.find("store_commit"), "4096-byte reply taken");
  c.connected();
  c.send({ type: "mqtt_message", session: c.state.session, topic: `${DID}/home/in`, payload: padded(homePrefix(), MAX_PAYLOAD_BYTES + 1), bytes: MAX_PAYLOAD_BYTES + 1 });
  equal(c.find("store_commit"), undefined);
  c.message(`${DID}/home/in`, padded(homePrefix(), MAX_PAYLOAD_BYTES));
  assert(c.find("store_commit"), "4096-byte home_prefix taken");
  c.connected();
  const set = JSON.stringify({ type: "set", timestamp: 1, value: "on" });
  c.message(`${P}/switch/in`, padded(set, MAX_PAYLOAD_BYTES));
  equal(c.find("command")?.entity, "switch", "4096-byte command taken");
  c.send({ type: "mqtt_message", session: c.state.session, topic: `${P}/switch/in`, payload: padded(set, MAX_PAYLOAD_BYTES + 1), bytes: MAX_PAYLOAD_BYTES + 1 });
  deepEqual(JSON.parse(c.find("mqtt_publish")?.payload ?? "{}"), { type: "error", priority_level: 1, timestamp: 1790000000, value: { event: "error", reason: "payload_too_large" } });
  deepEqual(c.find("log")?.fields, { entity: "switch", reason: "oversized", detail: "4097 bytes" });
});

test("messages of a session that closed, or of an older session while a newer one is up, are dropped without a line", () => {
  // The activation session dropped; its reply arrives late: nothing is stored.
  const a = activationRig("cloud");
  a.send({ type: "mqtt_closed", session: a.state.session, reason: "network", detail: "" });
  deepEqual(a.message(`${AC}/activation/in`, brokerData()), []);
  // Operational on session 3; a command still delivered for session 2 is not applied.
  const o = new Rig();
  toOperational(o);
  deepEqual(o.send({ type: "mqtt_message", session: o.state.session - 1, topic: `${P}/switch/in`, payload: '{"type":"set","timestamp":1,"value":"on"}', bytes: 40 }), []);
  // Before any session (boot), a message for "session 0" is dropped too.
  const b = new Rig();
  deepEqual(b.send({ type: "mqtt_message", session: 0, topic: `${DID}/home/in`, payload: homePrefix(), bytes: 100 }), []);
});

test("the first connect of a device closes nothing (no session was open)", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord() });
  r.send({ type: "wifi_done", result: { ok: true } });
  equal(r.find("mqtt_close"), undefined);
  const c = activationRig("cloud");
  equal(c.all.filter((e) => e.kind === "mqtt_close").length, 0);
});

test("a command topic during home_prefix is not routed (no prefix yet)", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, brokerData());
  r.connected();
  const fx = r.message(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  deepEqual(fx.filter((e) => e.kind !== "log"), []);
  deepEqual(r.logs(), ["message.ignored"]);
});

test("boot: a record without a home prefix is logged as such; a record without Wi-Fi connects without a join", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord({ home: undefined }) });
  deepEqual(r.find("log")?.fields, { broker: "cloud", host: "cloud.example", port: 8884, prefix: false });
  const w = new Rig();
  w.send({ type: "boot", record: provisionedRecord({ wifi: undefined }) });
  equal(w.find("wifi_join"), undefined);
  equal(w.state.phase, "connect");
  equal(w.find("mqtt_connect")?.options.host, "cloud.example");
});

test("rediscovery: a moved address alone (same port and name) is stored and used", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883, name: "MQTT2GO.local" } }) });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: { ...LOCAL, address: "192.168.1.77" } });
  deepEqual(r.find("store_commit")?.record.broker, { kind: "local", host: "192.168.1.77", port: 8883, name: "MQTT2GO.local" });
  equal(r.find("mqtt_connect")?.options.host, "192.168.1.77");
});

test("guest flow: the broker found again on the home network is logged as found and its address stored", () => {
  const r = activationRig("guest");
  r.message(`${AC}/activation/in`, creds());
  r.message(`${AC}/wifi/in`, wifiCreds());
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: { ...LOCAL, address: "192.168.1.99" } });
  deepEqual(r.logs(), ["mdns.found", "record.commit", "broker.connect"]);
  equal(r.find("store_commit")?.record.broker.host, "192.168.1.99");
});

test("two units in one process (the Node fleet host) each hear their own home/in and commands", () => {
  // The reducer caches topic strings per device; units interleave on one module instance.
  const other = "dev-socket-0002";
  const a = new Rig();
  const b = new Rig(testConfig({ identity: { deviceId: other, activationCode: "AC00000002", deviceType: "socket", discovery: { host: "discovery.example", port: 8883 } } }));
  const shared = provisionedRecord(); // one record object booted on both (the fleet host's template)
  for (const r of [a, b]) {
    r.send({ type: "boot", record: shared });
    r.send({ type: "wifi_done", result: { ok: true } });
    r.connected();
  }
  for (let i = 0; i < 2; i++) {
    a.message(`${DID}/home/in`, rename(DID, `A${i}`));
    equal(a.state.record?.name, `A${i}`);
    b.message(`${other}/home/in`, rename(other, `B${i}`));
    equal(b.state.record?.name, `B${i}`);
    a.message(`home1/gw1/${DID}/switch/in`, '{"type":"set","timestamp":1,"value":"on"}');
    equal(a.find("command")?.entity, "switch");
    b.message(`home1/gw1/${other}/switch/in`, '{"type":"set","timestamp":1,"value":"on"}');
    equal(b.find("command")?.entity, "switch");
  }
  // After the renames the records differ, but both keep the same home object: still each its own topics.
  b.message(`home1/gw1/${DID}/switch/in`, '{"type":"set","timestamp":1,"value":"on"}');
  equal(b.find("command"), undefined, "A's topic is not B's");
});

test("closed reasons: auth and tls are errors in the log, the others warnings", () => {
  const levels: Partial<Record<CloseReason, string>> = {};
  for (const reason of ["auth", "tls", "network", "refused", "closed", "timeout", "unavailable"] as const) {
    const r = new Rig();
    toOperational(r);
    r.send({ type: "mqtt_closed", session: r.state.session, reason, detail: "" });
    levels[reason] = (r.effects.find((e) => e.kind === "log") as { level: string }).level;
  }
  deepEqual(levels, { auth: "error", tls: "error", network: "warn", refused: "warn", closed: "warn", timeout: "warn", unavailable: "warn" });
});

test("the close event of a session the device dropped itself arms nothing and logs nothing (window closed, Wi-Fi reply, remove)", () => {
  const w = activationRig("cloud");
  w.send({ type: "timer", name: "window" });
  deepEqual(w.send({ type: "mqtt_closed", session: w.state.session, reason: "closed", detail: "" }), [], "unprovisioned stays quiet");
  const g = activationRig("guest");
  g.message(`${AC}/activation/in`, creds());
  g.message(`${AC}/wifi/in`, wifiCreds());
  deepEqual(g.send({ type: "mqtt_closed", session: g.state.session, reason: "closed", detail: "" }), [], "joining the home network");
  const r = new Rig();
  toOperational(r);
  r.message(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: true }));
  deepEqual(r.send({ type: "mqtt_closed", session: r.state.session, reason: "closed", detail: "" }), [], "removing");
});

test("each session is closed once: the activation session when the record is stored, none before a new attempt's first connect", () => {
  const c = activationRig("cloud");
  c.message(`${AC}/activation/in`, brokerData());
  deepEqual(c.findAll("mqtt_close"), [{ kind: "mqtt_close", session: 1 }]);
  c.send({ type: "timer", name: "window" });
  deepEqual(c.findAll("mqtt_close"), [{ kind: "mqtt_close", session: 2 }], "the operational session, still connecting, dropped");
  c.send({ type: "mqtt_closed", session: c.state.session, reason: "closed", detail: "" });
  c.send({ type: "start" });
  c.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  c.send({ type: "mdns_done", found: null });
  equal(c.find("mqtt_close"), undefined, "nothing left open from the expired attempt");
  assert(c.find("mqtt_connect"));
});

test("guest flow: the Wi-Fi reply stops the re-sends, closes the init session and joins; a credentials reply repeated meanwhile is ignored", () => {
  const g = activationRig("guest");
  g.message(`${AC}/activation/in`, creds());
  const pending = g.state.pending;
  // The server answers every request again: a second credentials reply while waiting for Wi-Fi.
  deepEqual(g.message(`${AC}/activation/in`, creds("u-0002")).filter((e) => e.kind !== "log"), []);
  deepEqual(g.logs(), ["reply.ignored"]);
  deepEqual(g.state.pending, pending);
  const session = g.state.session;
  g.message(`${AC}/wifi/in`, wifiCreds());
  deepEqual(g.actions, [
    { kind: "timer_clear", name: "retry" }, { kind: "mqtt_close", session },
    { kind: "wifi_join", ssid: "HomeNet", password: "home-pass-123" },
  ]);
});

test("invalid replies are logged with what was expected: mqtt_credentials, wifi_credentials, home", () => {
  const what = (r: Rig) => (r.effects.find((e) => e.kind === "log") as { fields: { what?: string } }).fields.what;
  const l = activationRig("local");
  l.message(`${AC}/activation/in`, "{");
  equal(what(l), "mqtt_credentials");
  const g = activationRig("guest");
  g.message(`${AC}/activation/in`, creds());
  g.message(`${AC}/wifi/in`, "{");
  equal(what(g), "wifi_credentials");
  const h = activationRig("cloud");
  h.message(`${AC}/activation/in`, brokerData());
  h.connected();
  h.message(`${DID}/home/in`, "{");
  equal(what(h), "home");
  const o = new Rig();
  toOperational(o);
  o.message(`${P}/about/in`, "{");
  deepEqual(o.findAll("mqtt_publish").map((e) => e.topic), [`${P}/about/out`], "a bad about query gets its error on about/out");
});

test("log: a provisioned local unit that finds no broker falls back to the stored address and says so", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883, name: "MQTT2GO.local" } }) });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: null });
  const line = r.effects.find((e) => e.kind === "log");
  deepEqual(line, { kind: "log", level: "warn", phase: "rediscover", event: "mdns.not_found", fields: { fallback: "192.168.1.10" } });
  // the guest flow's broker found again on the home network: its name, address and port
  const g = activationRig("guest");
  g.message(`${AC}/activation/in`, creds());
  g.message(`${AC}/wifi/in`, wifiCreds());
  g.send({ type: "wifi_done", result: { ok: true } });
  g.send({ type: "mdns_done", found: { ...LOCAL, address: "192.168.1.99" } });
  deepEqual(g.effects.find((e) => e.kind === "log")?.fields, { host: "MQTT2GO.local", address: "192.168.1.99", port: 8883 });
});

test("a rename is committed as a rename (a failed write keeps the name in RAM), a home prefix as home", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, brokerData());
  equal(r.find("store_commit")?.purpose, "credentials");
  r.connected();
  r.message(`${DID}/home/in`, homePrefix());
  equal(r.find("store_commit")?.purpose, "home");
  r.connected();
  r.message(`${DID}/home/in`, rename());
  equal(r.find("store_commit")?.purpose, "rename");
});
