import { assert, deepEqual, equal, test } from "../harness";
import {
  AC, CERT_PEM, DID, ENTITIES, Rig, activationRig, brokerData, creds, homePrefix, provisionedRecord, rename, testConfig, toOperational, wifiCreds,
} from "./onboarding-kit";

const P = "home1/gw1/" + DID;
const body = (payload: string | undefined) => JSON.parse(payload ?? "{}") as { timestamp: number; value: { reason: string } };

test("unprovisioned boot opens the 15-minute window and starts WPS", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  equal(r.state.phase, "wifi_wps");
  deepEqual(r.find("timer_set"), { kind: "timer_set", name: "window", ms: 900_000 });
  deepEqual(r.find("wps_start"), { kind: "wps_start", timeoutMs: 120_000 });
  assert(r.logs().includes("onboarding.start"));
});

test("local WPS flow: mDNS → init session → GET_CREDENTIALS → persist → operational", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  equal(r.state.phase, "discover");
  deepEqual(r.find("mdns_browse"), { kind: "mdns_browse", windowMs: 3000 });

  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 } });
  equal(r.state.phase, "activate_local");
  const c = r.find("mqtt_connect");
  assert(c);
  deepEqual(c.options, { host: "192.168.1.10", port: 8883, clientId: DID, username: AC, keepAliveS: 60, serverName: "MQTT2GO.local" });

  r.connected();
  // subscribe to the reply topic before publishing the request
  deepEqual(r.kinds().slice(0, 3), ["mqtt_subscribe", "mqtt_publish", "timer_set"]);
  equal(r.find("mqtt_subscribe")?.topic, `${AC}/activation/in`);
  const pub = r.find("mqtt_publish");
  equal(pub?.topic, `${AC}/activation/out`);
  deepEqual(JSON.parse(pub?.payload ?? ""), { timestamp: 1790000000, type: "mqtt_credentials", value: "GET_CREDENTIALS" });
  const retry = r.find("timer_set");
  assert(retry && retry.name === "retry" && retry.ms >= 8000 && retry.ms <= 12000, "10 s ± jitter");

  r.send({ type: "timer", name: "retry" });
  equal(r.find("mqtt_publish")?.topic, `${AC}/activation/out`, "request re-sent on the retry timer");

  r.message(`${AC}/activation/in`, creds());
  const commit = r.find("store_commit");
  assert(commit);
  deepEqual(commit.record, {
    broker: { kind: "local", host: "192.168.1.10", port: 8883, name: "MQTT2GO.local" }, user: "u-0001", password: "p4ssw0rd-secret", cert: CERT_PEM,
    wifi: { ssid: "HomeNet", password: "home-pass-123" },
  });
  const kinds = r.kinds();
  assert(kinds.indexOf("store_commit") < kinds.indexOf("mqtt_close"), "init session closed only once the record is stored");
  assert(kinds.indexOf("store_commit") < kinds.indexOf("mqtt_connect"), "persisted before use");
  const op = r.find("mqtt_connect");
  deepEqual(op?.options, {
    host: "192.168.1.10", port: 8883, clientId: DID, username: "u-0001", password: "p4ssw0rd-secret", clientCertPem: CERT_PEM, keepAliveS: 60,
    serverName: "MQTT2GO.local",
  });
  equal(r.state.phase, "connect");

  r.connected();
  equal(r.state.phase, "home_prefix");
  equal(r.findAll("mqtt_subscribe")[0]?.topic, `${DID}/home/in`);
  const hp = r.find("mqtt_publish");
  equal(hp?.topic, `${DID}/home/out`);
  deepEqual(JSON.parse(hp?.payload ?? ""), { timestamp: 1790000000, type: "home_prefix", value: ENTITIES });

  r.message(`${DID}/home/in`, homePrefix());
  deepEqual(r.find("store_commit")?.record.home, { home: "home1", gateway: "gw1" });
  assert(r.actions.some((e) => e.kind === "timer_clear" && e.name === "window"), "window closes successfully");
  const withWill = r.find("mqtt_connect");
  deepEqual(withWill?.options.will, { topic: `${P}/status/out`, payload: '{"type":"status","priority_level":1,"timestamp":0,"value":"offline"}', retain: true });
  equal(r.state.onboarding, false);

  r.connected();
  equal(r.state.phase, "operational");
  const subs = r.findAll("mqtt_subscribe").map((s) => s.topic);
  deepEqual(subs, [`${DID}/home/in`, `${P}/+/in`]);
  const status = r.find("mqtt_publish");
  equal(status?.topic, `${P}/status/out`);
  equal(status?.retain, true);
  deepEqual(JSON.parse(status?.payload ?? ""), { type: "status", priority_level: 3, timestamp: 1790000000, value: "online" });
  assert(r.find("publish_state"), "retained state of every entity");
});

test("cloud flow: no local broker → discovery server → GET_BROKER_DATA → cloud broker", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  equal(r.state.phase, "activate_cloud");
  deepEqual(r.find("mqtt_connect")?.options, { host: "discovery.example", port: 8883, clientId: DID, username: AC, keepAliveS: 60 });
  r.connected();
  deepEqual(JSON.parse(r.find("mqtt_publish")?.payload ?? ""), { timestamp: 1790000000, type: "broker_data", value: "GET_BROKER_DATA" });
  r.message(`${AC}/activation/in`, brokerData("cloud.example:8884"));
  deepEqual(r.find("store_commit")?.record.broker, { kind: "cloud", host: "cloud.example", port: 8884 });
  equal(r.find("mqtt_connect")?.options.host, "cloud.example");
  equal(r.find("mqtt_connect")?.options.port, 8884);
  r.connected();
  r.message(`${DID}/home/in`, homePrefix());
  r.connected();
  equal(r.state.phase, "operational");
});

test("cloud flow accepts `cert` as a synonym of device_certificate and a bare host (port 8883)", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, JSON.stringify({ type: "broker_data", timestamp: 1, value: { broker_ip: "broker.example", cert: CERT_PEM, user: "u", password: "pw-123456" } }));
  deepEqual(r.find("store_commit")?.record.broker, { kind: "cloud", host: "broker.example", port: 8883 });
});

test("guest Wi-Fi flow: WPS fails → guest SSID with the activation code → credentials → Wi-Fi credentials → home network → re-resolve", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
  equal(r.state.phase, "wifi_guest");
  deepEqual(r.find("wifi_join"), { kind: "wifi_join", ssid: "MQTT2GO", password: AC });
  r.send({ type: "wifi_done", result: { ok: true } });
  equal(r.state.phase, "discover");
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "10.42.0.1", port: 8883 } });
  r.connected();
  r.message(`${AC}/activation/in`, creds());
  equal(r.find("store_commit"), undefined, "not stored before the home network is known");
  equal(r.find("mqtt_subscribe")?.topic, `${AC}/wifi/in`);
  const req = r.find("mqtt_publish");
  equal(req?.topic, `${AC}/wifi/out`);
  deepEqual(JSON.parse(req?.payload ?? ""), { timestamp: 1790000000, type: "wifi_credentials", value: "GET_WIFI_CREDENTIALS" });
  r.send({ type: "timer", name: "retry" });
  equal(r.find("mqtt_publish")?.topic, `${AC}/wifi/out`, "Wi-Fi request re-sent");

  r.message(`${AC}/wifi/in`, wifiCreds());
  equal(r.state.phase, "wifi_home");
  assert(r.find("mqtt_close"), "init session closed");
  deepEqual(r.find("wifi_join"), { kind: "wifi_join", ssid: "HomeNet", password: "home-pass-123" });
  r.send({ type: "wifi_done", result: { ok: true } });
  equal(r.state.phase, "rediscover");
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 8884 } });
  deepEqual(r.find("store_commit")?.record, {
    broker: { kind: "local", host: "192.168.1.10", port: 8884, name: "MQTT2GO.local" }, user: "u-0001", password: "p4ssw0rd-secret", cert: CERT_PEM,
    wifi: { ssid: "HomeNet", password: "home-pass-123" },
  });
  equal(r.find("mqtt_connect")?.options.host, "192.168.1.10");
  r.connected();
  r.message(`${DID}/home/in`, homePrefix());
  r.connected();
  equal(r.state.phase, "operational");
});

test("guest flow keeps the guest-network address when mDNS on the home network finds nothing", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: false, reason: "failed" } });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "10.42.0.1", port: 8883 } });
  r.connected();
  r.message(`${AC}/activation/in`, creds());
  r.message(`${AC}/wifi/in`, wifiCreds());
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: null });
  equal(r.find("store_commit")?.record.broker.host, "10.42.0.1");
});

test("guest join failure backs off, then WPS is tried again", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
  r.send({ type: "wifi_done", result: { ok: false, reason: "no such network" } });
  const t = r.find("timer_set");
  assert(t && t.name === "retry" && t.ms >= 0 && t.ms <= 1000, "first backoff ≤ 1 s");
  r.send({ type: "timer", name: "retry" });
  equal(r.state.phase, "wifi_wps");
  assert(r.find("wps_start"));
});

test("no broker on the guest network: mDNS is retried, the cloud is not used", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: null });
  equal(r.state.phase, "discover");
  equal(r.find("mqtt_connect"), undefined);
  r.send({ type: "timer", name: "retry" });
  assert(r.find("mdns_browse"));
});

test("error reply unknown_activation_code keeps the attempt: re-requests every 10 s ± jitter backing off to 60 s until the window closes (PROTOCOL §6)", () => {
  const r = activationRig("cloud");
  const refused = JSON.stringify({ type: "broker_data", timestamp: 1, value: { error: "unknown_activation_code" } });
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    r.message(`${AC}/activation/in`, refused);
    equal(r.state.phase, "activate_cloud", "attempt not ended");
    equal(r.find("mqtt_close"), undefined, "session kept");
    equal(r.find("store_erase"), undefined);
    assert(r.logs().includes("reply.refused"), "each refusal logged");
    const t = r.find("timer_set");
    equal(t?.name, "retry");
    delays.push(t?.ms ?? -1);
    r.send({ type: "timer", name: "retry" });
    equal(r.find("mqtt_publish")?.topic, `${AC}/activation/out`, "asked again");
  }
  const nominal = [10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000, 60_000];
  delays.forEach((d, i) => {
    const n = nominal[i];
    assert(d >= n * 0.8 && d <= Math.min(60_000, n * 1.2), `refusal ${i}: ${d} ms (nominal ${n})`);
  });
  assert(new Set(delays.slice(0, 3)).size === 3 && delays.some((d, i) => i < 3 && d !== nominal[i]), `jittered: ${JSON.stringify(delays)}`);
  r.send({ type: "timer", name: "window" });
  equal(r.state.phase, "unprovisioned");
  equal(r.state.reason, "activation_expired");
});

test("error reply activation_expired ends the attempt", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, JSON.stringify({ type: "broker_data", timestamp: 1, value: { error: "activation_expired" } }));
  equal(r.state.reason, "activation_expired");
  deepEqual(r.find("indicate"), { kind: "indicate", status: "activation_expired" });
});

test("window expiry after credentials were stored rolls the record back and waits for a new start", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, brokerData());
  r.connected();
  equal(r.state.phase, "home_prefix");
  r.send({ type: "timer", name: "window" });
  equal(r.state.phase, "unprovisioned");
  equal(r.state.reason, "activation_expired");
  assert(r.find("store_erase"), "rollback");
  assert(r.find("mqtt_close"));
  assert(r.logs().includes("onboarding.failed"));
  // A home_prefix reply arriving after the window closed changes nothing.
  r.message(`${DID}/home/in`, homePrefix());
  deepEqual(r.kinds(), []);
  // A button press starts a new attempt.
  r.send({ type: "start" });
  equal(r.state.phase, "wifi_wps");
});

test("window expiry during WPS ends the attempt without erasing anything", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "timer", name: "window" });
  equal(r.state.phase, "unprovisioned");
  equal(r.find("store_erase"), undefined);
  // the late WPS result is ignored
  r.send({ type: "wps_done", result: { ok: true, ssid: "x", password: "12345678" } });
  equal(r.state.phase, "unprovisioned");
});

test("the window timer after success does nothing", () => {
  const r = new Rig();
  toOperational(r);
  r.send({ type: "timer", name: "window" });
  equal(r.state.phase, "operational");
  deepEqual(r.kinds(), []);
});

test("replies in the wrong state are ignored and logged", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 } });
  r.connected();
  const before = JSON.stringify(r.state);
  // Wi-Fi credentials nobody asked for (WPS flow, not guest)
  r.message(`${AC}/wifi/in`, wifiCreds());
  equal(JSON.stringify(r.state), before);
  deepEqual(r.kinds(), []);
  assert(r.logs().includes("reply.ignored"));
  // a broker_data reply on the local broker has the wrong type
  r.message(`${AC}/activation/in`, brokerData());
  equal(JSON.stringify(r.state), before);
  assert(r.logs().includes("reply.invalid"));
  // a home_prefix reply during activation
  r.message(`${DID}/home/in`, homePrefix());
  equal(JSON.stringify(r.state), before);
  deepEqual(r.kinds(), []);
});

test("replies for another activation code or another device are ignored", () => {
  const r = activationRig("cloud");
  const before = JSON.stringify(r.state);
  r.message("OTHERCODE1/activation/in", brokerData());
  equal(JSON.stringify(r.state), before);
  r.message(`${AC}x/activation/in`, brokerData());
  equal(JSON.stringify(r.state), before);
  deepEqual(r.kinds(), []);

  const o = new Rig();
  toOperational(o);
  const op = JSON.stringify(o.state);
  o.message(`${DID}/home/in`, rename("another-device", "Not me"));
  equal(JSON.stringify(o.state), op);
  deepEqual(o.kinds(), []);
  o.message(`other-dev/home/in`, rename());
  equal(JSON.stringify(o.state), op);
});

test("events of an old session are ignored", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  const old = r.state.session;
  r.connected();
  r.message(`${AC}/activation/in`, brokerData());
  const before = JSON.stringify(r.state);
  r.send({ type: "mqtt_message", session: old, topic: `${AC}/activation/in`, payload: brokerData(), bytes: 10 });
  r.send({ type: "mqtt_closed", session: old, reason: "closed", detail: "" });
  r.send({ type: "mqtt_connected", session: old });
  equal(JSON.stringify(r.state), before);
  deepEqual(r.kinds(), []);
});

test("rename is stored and reported in about; rename before the prefix is ignored", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, brokerData());
  r.connected();
  r.message(`${DID}/home/in`, rename());
  equal(r.state.record?.name, undefined, "rename before the home prefix is ignored");
  r.message(`${DID}/home/in`, homePrefix());
  r.connected();
  r.message(`${DID}/home/in`, rename(DID, "Kitchen socket", ["kitchen", "g2"]));
  deepEqual(r.find("store_commit")?.record.name, "Kitchen socket");
  deepEqual(r.state.record?.groups, ["kitchen", "g2"]);
  r.message(`${P}/about/in`, JSON.stringify({ type: "query", timestamp: 1, value: "about" }));
  const about = r.find("mqtt_publish");
  equal(about?.topic, `${P}/about/out`);
  deepEqual(JSON.parse(about?.payload ?? ""), {
    type: "command_response", priority_level: 2, timestamp: 1790000000,
    value: { device_id: DID, device_type: "socket", device_name: "Kitchen socket", groups: ["kitchen", "g2"], fw_version: "1.2.3", entities: ENTITIES, status: "online" },
  });
});

test("commands are routed by exact topic; invalid ones yield one error and no state change", () => {
  const r = new Rig();
  toOperational(r);
  r.message(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  const cmd = r.find("command");
  assert(cmd);
  equal(cmd.entity, "switch");
  deepEqual(cmd.command, { type: "set", value: "on", timestamp: 1 });

  const before = JSON.stringify(r.state);
  r.message(`${P}/switch/in`, "{\"type\":\"set\",");
  equal(JSON.stringify(r.state), before);
  const errs = r.findAll("mqtt_publish");
  equal(errs.length, 1, "exactly one error");
  equal(errs[0]?.topic, `${P}/switch/out`);
  deepEqual(JSON.parse(errs[0]?.payload ?? ""), { type: "error", priority_level: 1, timestamp: 1790000000, value: { event: "error", reason: "malformed_json" } });

  r.message(`${P}/switch/in`, JSON.stringify({ type: "explode", timestamp: 1, value: "on" }));
  equal(body(r.find("mqtt_publish")?.payload).value.reason, "unsupported_command");

  r.message(`${P}/nosuch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  equal(r.find("mqtt_publish")?.topic, `${P}/nosuch/out`);
  equal(body(r.find("mqtt_publish")?.payload).value.reason, "unsupported_command");
  equal(r.find("command"), undefined);

  r.send({ type: "mqtt_message", session: r.state.session, topic: `${P}/switch/in`, payload: "", bytes: 5000 });
  equal(body(r.find("mqtt_publish")?.payload).value.reason, "payload_too_large", "oversized (PROTOCOL §8)");
  equal(JSON.stringify(r.state), before);
});

test("look-alike topics are never routed", () => {
  const cfg = testConfig();
  const r = new Rig(cfg);
  r.send({ type: "boot", record: provisionedRecord({ home: { home: "switch", gateway: "remove" } }) });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.connected();
  equal(r.state.phase, "operational");
  const before = JSON.stringify(r.state);
  const lookalikes = [
    `switch/remove/${DID}/switch/out`,
    `switch/remove/${DID}/switch/in/extra`,
    `switch/remove/${DID}x/remove/in`,
    `switch/remove/${DID}/switch`,
    `switch/remove/${DID}//in`,
    `switch/remove/${DID}/+/in`,
    `switch/remove/${DID}/#/in`,
    `switch/remove/other/${DID}/remove/in`,
    `remove/switch/${DID}/remove/in`,
    `switch/remove/${DID}/remove/in/`,
    `/switch/remove/${DID}/remove/in`,
    `switch/remove/remove/in`,
    `switch/remove/${DID}/switch/remove/in`,
  ];
  for (const topic of lookalikes) {
    r.message(topic, JSON.stringify({ type: "control", timestamp: 1, value: "true" }));
    equal(JSON.stringify(r.state), before, topic);
    deepEqual(r.kinds(), [], topic);
  }
  r.message(`switch/remove/${DID}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: "true" }));
  equal(r.state.phase, "removing", "the real remove topic works");
});

test("remove: confirm, offline status, erase credentials, restart; other forms are invalid_value", () => {
  const r = new Rig();
  toOperational(r);
  const before = JSON.stringify(r.state);
  for (const bad of [
    { type: "control", timestamp: 1, value: "false" }, { type: "control", timestamp: 1, value: false },
    { type: "set", timestamp: 1, value: "true" }, { type: "control", timestamp: 1, value: "TRUE" }, { type: "control", timestamp: 1 },
  ]) {
    r.message(`${P}/remove/in`, JSON.stringify(bad));
    equal(JSON.stringify(r.state), before, JSON.stringify(bad));
    const pubs = r.findAll("mqtt_publish");
    equal(pubs.length, 1);
    equal(pubs[0]?.topic, `${P}/remove/out`);
    equal(body(pubs[0]?.payload).value.reason, "invalid_value", JSON.stringify(bad));
  }
  r.message(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: true }));
  const pubs = r.findAll("mqtt_publish");
  equal(pubs[0]?.topic, `${P}/remove/out`);
  deepEqual(JSON.parse(pubs[0]?.payload ?? ""), { type: "command_response", priority_level: 2, timestamp: 1790000000, value: "true" });
  equal(pubs[1]?.topic, `${P}/status/out`);
  equal(pubs[1]?.retain, true);
  equal((JSON.parse(pubs[1]?.payload ?? "{}") as { value: string }).value, "offline");
  assert(r.find("store_erase"));
  equal(r.state.phase, "removing");
  r.send({ type: "timer", name: "restart" });
  deepEqual(r.kinds(), ["restart"]);
});

test("provisioned boot joins the stored network and goes straight to operational with the Last Will", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord() });
  equal(r.state.phase, "wifi_home");
  deepEqual(r.find("wifi_join"), { kind: "wifi_join", ssid: "HomeNet", password: "home-pass-123" });
  assert(!r.actions.some((e) => e.kind === "timer_set" && e.name === "window"), "no activation window");
  r.send({ type: "wifi_done", result: { ok: true } });
  const c = r.find("mqtt_connect");
  equal(c?.options.host, "cloud.example");
  assert(c?.options.will, "will from the first connect");
  r.connected();
  equal(r.state.phase, "operational");
  const topics = r.all.filter((e) => e.kind === "mqtt_publish").map((e) => (e as { topic: string }).topic);
  assert(!topics.some((t) => t.includes("/activation/") || t.endsWith("/home/out")), "no onboarding traffic");
});

test("provisioned local device re-resolves at boot and falls back to the last known address", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883 } }) });
  r.send({ type: "wifi_done", result: { ok: true } });
  equal(r.state.phase, "rediscover");
  r.send({ type: "mdns_done", found: null });
  equal(r.find("mqtt_connect")?.options.host, "192.168.1.10");
  equal(r.find("store_commit"), undefined);

  const m = new Rig();
  m.send({ type: "boot", record: provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883 } }) });
  m.send({ type: "wifi_done", result: { ok: true } });
  m.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.77", port: 8883 } });
  equal(m.find("store_commit")?.record.broker.host, "192.168.1.77");
  equal(m.find("mqtt_connect")?.options.host, "192.168.1.77");
});

test("a stored record without a home prefix resumes at home_prefix inside a fresh window", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord({ home: undefined }) });
  assert(r.actions.some((e) => e.kind === "timer_set" && e.name === "window"));
  r.send({ type: "wifi_done", result: { ok: true } });
  equal(r.find("mqtt_connect")?.options.will, undefined);
  r.connected();
  equal(r.state.phase, "home_prefix");
  r.send({ type: "timer", name: "window" });
  assert(r.find("store_erase"), "rolled back");
});

test("session loss: exponential backoff with full jitter, reset after 60 s up; auth failures never erase", () => {
  const r = new Rig();
  toOperational(r);
  const caps = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
  for (const cap of caps) {
    r.send({ type: "mqtt_closed", session: r.state.session, reason: "auth", detail: "not authorised" });
    const t = r.find("timer_set");
    assert(t && t.name === "reconnect" && t.ms >= 0 && t.ms <= cap, `delay ${t?.ms} ≤ ${cap}`);
    equal(r.find("store_erase"), undefined);
    equal(r.state.phase, "connect");
    r.send({ type: "timer", name: "reconnect" });
    assert(r.find("mqtt_connect"));
  }
  r.connected();
  equal(r.state.phase, "operational");
  assert(r.state.attempt > 0, "attempts counted while failing");
  r.send({ type: "timer", name: "stable" });
  equal(r.state.attempt, 0);
  // The broker ended an established session: the first reconnect is spread over [0, 20 s) (§10) ...
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "" });
  r.send({ type: "timer", name: "reconnect" });
  // ... then a connect that fails continues the doubling from the spread (reconnect.test.ts has the distribution).
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "" });
  const t = r.find("timer_set");
  assert(t && t.ms < 40_000 && r.state.spreadScale, "backoff continues at twice the spread");
});

test("reconnect resubscribes, republishes online status and state", () => {
  const r = new Rig();
  toOperational(r);
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "" });
  r.send({ type: "timer", name: "reconnect" });
  r.connected();
  equal(r.state.phase, "operational");
  deepEqual(r.findAll("mqtt_subscribe").map((s) => s.topic), [`${DID}/home/in`, `${P}/+/in`]);
  equal(r.find("mqtt_publish")?.topic, `${P}/status/out`);
  assert(r.find("publish_state"));
});

test("periodic reports run only while operational", () => {
  const r = new Rig();
  toOperational(r);
  r.send({ type: "timer", name: "report" });
  deepEqual(r.kinds(), ["publish_reports", "timer_set"]);
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "" });
  r.send({ type: "timer", name: "report" });
  deepEqual(r.kinds(), []);
});

test("timestamps are 0 until the clock is valid", () => {
  const r = new Rig(testConfig(), null);
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  r.connected();
  equal(body(r.find("mqtt_publish")?.payload).timestamp, 0);
});

test("factory reset erases user data and restarts (operational: offline status first, restart on the timer)", () => {
  const r = new Rig();
  toOperational(r);
  r.send({ type: "factory_reset" });
  const k = r.kinds();
  assert(k.includes("store_erase"));
  equal(k[0], "mqtt_publish", "offline status before anything else");
  equal(r.find("timer_set")?.name, "restart");
  r.send({ type: "timer", name: "restart" });
  deepEqual(r.kinds(), ["restart"]);
});

test("a failed commit during onboarding keeps the attempt: back to the activation session, asked again (store-failure.test.ts)", () => {
  const r = activationRig("cloud");
  const before = r.state;
  r.message(`${AC}/activation/in`, brokerData());
  r.send({ type: "store_failed", error: "nvs full", purpose: "credentials", before });
  equal(r.state.phase, "activate_cloud");
  equal(r.state.onboarding, true);
  equal(r.find("timer_set")?.name, "retry");
});

test("no log line carries a secret value", () => {
  const r = new Rig();
  toOperational(r);
  r.message(`${DID}/home/in`, rename());
  const text = JSON.stringify(r.all.filter((e) => e.kind === "log"));
  for (const secret of ["p4ssw0rd-secret", "home-pass-123", AC]) assert(!text.includes(secret), `log leaks ${secret}`);
});

test("start and boot are ignored outside the phases that take them", () => {
  const r = new Rig();
  r.send({ type: "start" });
  deepEqual(r.kinds(), [], "start before boot");
  r.send({ type: "boot", record: null });
  const before = JSON.stringify(r.state);
  r.send({ type: "boot", record: null });
  equal(JSON.stringify(r.state), before);
  r.send({ type: "start" });
  equal(JSON.stringify(r.state), before);
  deepEqual(r.kinds(), []);
});

test("port results that arrive in the wrong phase are ignored", () => {
  const r = new Rig();
  toOperational(r);
  const before = JSON.stringify(r.state);
  r.send({ type: "wps_done", result: { ok: true, ssid: "Evil", password: "12345678" } });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "10.0.0.66", port: 8883 } });
  r.send({ type: "timer", name: "retry" });
  r.send({ type: "timer", name: "reconnect" });
  equal(JSON.stringify(r.state), before);
});

test("a provisioned device whose home network is gone keeps retrying with backoff", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord() });
  let last = 0;
  for (let i = 0; i < 8; i++) {
    r.send({ type: "wifi_done", result: { ok: false, reason: "no such network" } });
    const t = r.find("timer_set");
    assert(t && t.name === "retry", "retry scheduled");
    last = t.ms;
    r.send({ type: "timer", name: "retry" });
    deepEqual(r.find("wifi_join"), { kind: "wifi_join", ssid: "HomeNet", password: "home-pass-123" });
  }
  assert(last <= 60_000);
  equal(r.find("store_erase"), undefined, "never erased");
  r.send({ type: "wifi_done", result: { ok: true } });
  equal(r.state.attempt, 0, "backoff reset once joined");
  assert(r.find("mqtt_connect"));
});

test("an activation session lost before its reply reconnects with backoff inside the window", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "ECONNREFUSED" });
  const t = r.find("timer_set");
  assert(t && t.name === "reconnect");
  equal(r.state.phase, "activate_cloud");
  const s = r.state.session;
  r.send({ type: "timer", name: "reconnect" });
  equal(r.state.session, s + 1, "a new session");
  deepEqual(r.find("mqtt_connect")?.options.username, AC);
  r.connected();
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "reset" });
  equal(r.state.step, "credentials", "still waiting for the reply");
  r.send({ type: "timer", name: "reconnect" });
  r.connected();
  equal(r.find("mqtt_subscribe")?.topic, `${AC}/activation/in`, "resubscribed before asking again");
});

test("factory reset during onboarding erases and restarts", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "factory_reset" });
  const k = r.kinds();
  assert(k.includes("store_erase"));
  equal(k[k.length - 1], "restart");
  equal(r.state.phase, "removing");
});

test("guest flow: a lost local broker on the home network with no earlier address ends the attempt", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "10.42.0.1", port: 8883 } });
  r.connected();
  r.message(`${AC}/activation/in`, creds());
  r.message(`${AC}/wifi/in`, wifiCreds("HomeNet", "wrong-pass-1"));
  r.send({ type: "wifi_done", result: { ok: false, reason: "wrong passphrase" } });
  equal(r.state.phase, "wifi_home");
  assert(r.find("timer_set")?.name === "retry");
  r.send({ type: "timer", name: "retry" });
  deepEqual(r.find("wifi_join"), { kind: "wifi_join", ssid: "HomeNet", password: "wrong-pass-1" });
  r.send({ type: "timer", name: "window" });
  equal(r.state.phase, "unprovisioned");
  equal(r.find("store_erase"), undefined, "nothing was stored yet");
});
