// The log as people read it (GUIDE: one line per event, phase names, never a secret): every line of
// each flow, in order, with its level, the phase it happened in and its fields. Random draws are
// constant here, so the delays in the lines are exact.
import { deepEqual, test } from "../harness";
import type { Effect } from "../../src/core/onboarding";
import { AC, DID, Rig, brokerData, creds, homePrefix, provisionedRecord, rename, wifiCreds } from "./onboarding-kit";

const P = `home1/gw1/${DID}`;

/** A rig whose random source always draws `v`. */
function rig(v: number): Rig {
  const r = new Rig();
  (r as { random: () => number }).random = () => v;
  return r;
}

/** `level phase event {fields}` for every log line among the effects. */
function lines(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.kind === "log" ? [`${e.level} ${e.phase} ${e.event} ${JSON.stringify(e.fields)}`] : []));
}

test("log: the local WPS flow through operation, rename, commands, session losses and remove", () => {
  const r = rig(0.5);
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 } });
  r.connected();
  r.send({ type: "timer", name: "retry" });
  r.message(`${AC}/activation/in`, creds());
  r.connected();
  r.message(`${DID}/home/in`, rename());
  r.send({ type: "timer", name: "retry" });
  r.message(`${DID}/home/in`, homePrefix());
  r.connected();
  r.message(`${DID}/home/in`, homePrefix());
  r.message(`${DID}/home/in`, rename("other-dev"));
  r.message(`${DID}/home/in`, rename());
  r.message(`${DID}/home/in`, rename());
  r.message(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  r.message(`${P}/switch/in`, "{");
  r.message(`${P}/nosuch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  r.message(`${P}/status/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  r.message(`x/y/in`, "{}");
  r.message(`${P}/about/in`, JSON.stringify({ type: "query", timestamp: 1, value: "about" }));
  r.send({ type: "timer", name: "stable" });
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "tls", detail: "bad cert" });
  r.send({ type: "timer", name: "reconnect" });
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "auth", detail: "not authorised" });
  r.send({ type: "timer", name: "reconnect" });
  r.connected();
  r.send({ type: "timer", name: "stable" });
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "reset" });
  r.send({ type: "wifi_rejoined" });
  r.send({ type: "timer", name: "reconnect" });
  r.connected();
  r.message(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: true }));
  r.message(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: true }));
  deepEqual(lines(r.all), [
    "info boot boot.unprovisioned {}",
    "info boot onboarding.start {\"device\":\"dev-socket-0001\",\"type\":\"socket\",\"window_s\":900}",
    "info wifi_wps wps.start {\"timeout_s\":120}",
    "info wifi_wps wps.joined {\"ssid\":\"HomeNet\"}",
    "info discover mdns.browse {\"window_ms\":3000}",
    "info discover mdns.found {\"host\":\"MQTT2GO.local\",\"address\":\"192.168.1.10\",\"port\":8883}",
    "info activate_local init.connect {\"host\":\"192.168.1.10\",\"port\":8883,\"session\":1}",
    "info activate_local init.connected {\"session\":1}",
    "info activate_local request.sent {\"value\":\"GET_CREDENTIALS\"}",
    "info activate_local request.sent {\"value\":\"GET_CREDENTIALS\"}",
    "info activate_local reply.credentials {\"user\":\"u-0001\",\"cert_bytes\":191}",
    "info activate_local record.commit {\"broker\":\"local\",\"host\":\"192.168.1.10\",\"port\":8883}",
    "info connect broker.connect {\"host\":\"192.168.1.10\",\"port\":8883,\"session\":2,\"will\":false}",
    "info connect broker.connected {\"session\":2}",
    "info home_prefix home_prefix.request {\"entities\":3}",
    "info home_prefix rename.ignored {\"phase\":\"home_prefix\",\"why\":\"before home prefix\"}",
    "info home_prefix home_prefix.request {\"entities\":3}",
    "info home_prefix home_prefix.received {\"home\":\"home1\",\"gateway\":\"gw1\"}",
    "info home_prefix onboarding.complete {}",
    "info connect broker.connect {\"host\":\"192.168.1.10\",\"port\":8883,\"session\":3,\"will\":true}",
    "info connect broker.connected {\"session\":3}",
    "info operational operational {\"home\":\"home1\",\"gateway\":\"gw1\",\"name\":\"\"}",
    "info operational home_prefix.ignored {\"phase\":\"operational\"}",
    "warn operational rename.ignored {\"why\":\"another device\",\"device\":\"other-dev\"}",
    "info operational renamed {\"name\":\"Kitchen socket\",\"groups\":\"kitchen,g2\"}",
    "info operational rename.unchanged {\"name\":\"Kitchen socket\"}",
    "info operational command {\"entity\":\"switch\",\"type\":\"set\"}",
    "warn operational command.invalid {\"entity\":\"switch\",\"reason\":\"malformed_json\",\"detail\":\"not valid JSON\"}",
    "warn operational command.invalid {\"entity\":\"nosuch\",\"reason\":\"unsupported_command\",\"detail\":\"no such entity\"}",
    "warn operational message.ignored {\"topic\":\"home1/gw1/dev-socket-0001/status/in\",\"why\":\"status takes no commands\"}",
    "warn operational message.ignored {\"topic\":\"x/y/in\",\"why\":\"not a topic of this device\"}",
    "info operational about {}",
    "error operational session.closed {\"reason\":\"tls\",\"detail\":\"bad cert\",\"retry_ms\":500}",
    "info connect broker.connect {\"host\":\"192.168.1.10\",\"port\":8883,\"session\":4,\"will\":true}",
    "error connect session.closed {\"reason\":\"auth\",\"detail\":\"not authorised\",\"retry_ms\":1000}",
    "info connect broker.connect {\"host\":\"192.168.1.10\",\"port\":8883,\"session\":5,\"will\":true}",
    "info connect broker.connected {\"session\":5}",
    "info operational operational {\"home\":\"home1\",\"gateway\":\"gw1\",\"name\":\"Kitchen socket\"}",
    "debug operational backoff.reset {}",
    "warn operational session.closed {\"reason\":\"network\",\"detail\":\"reset\",\"retry_ms\":10000}",
    "info connect wifi.rejoined {\"retry_ms\":500}",
    "info connect broker.connect {\"host\":\"192.168.1.10\",\"port\":8883,\"session\":6,\"will\":true}",
    "info connect broker.connected {\"session\":6}",
    "info operational operational {\"home\":\"home1\",\"gateway\":\"gw1\",\"name\":\"Kitchen socket\"}",
    "warn operational remove {}",
    "warn removing message.ignored {\"phase\":\"removing\",\"topic\":\"home1/gw1/dev-socket-0001/remove/in\"}",
  ]);
});

test("log: the cloud flow with a refusal, invalid and unawaited replies, an expired window, then an error reply", () => {
  const r = rig(0.75);
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  r.connected();
  r.message(`${AC}/activation/in`, JSON.stringify({ type: "broker_data", timestamp: 1, value: { error: "unknown_activation_code" } }));
  r.send({ type: "timer", name: "retry" });
  r.message(`${AC}/activation/in`, "{");
  r.message(`${AC}/wifi/in`, wifiCreds());
  r.send({ type: "mqtt_message", session: r.state.session, topic: `${AC}/activation/in`, payload: "", bytes: 5000 });
  r.message(`${AC}/activation/in`, brokerData());
  r.connected();
  r.send({ type: "mqtt_closed", session: r.state.session, reason: "network", detail: "reset" });
  r.send({ type: "timer", name: "reconnect" });
  r.connected();
  r.send({ type: "mqtt_message", session: r.state.session, topic: `${DID}/home/in`, payload: "", bytes: 5000 });
  r.send({ type: "timer", name: "window" });
  r.send({ type: "start" });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  r.connected();
  r.message(`${AC}/activation/in`, JSON.stringify({ type: "broker_data", timestamp: 1, value: { error: "activation_expired" } }));
  deepEqual(lines(r.all), [
    "info boot boot.unprovisioned {}",
    "info boot onboarding.start {\"device\":\"dev-socket-0001\",\"type\":\"socket\",\"window_s\":900}",
    "info wifi_wps wps.start {\"timeout_s\":120}",
    "info wifi_wps wps.joined {\"ssid\":\"HomeNet\"}",
    "info discover mdns.browse {\"window_ms\":3000}",
    "info discover mdns.not_found {\"next\":\"cloud\"}",
    "info activate_cloud init.connect {\"host\":\"discovery.example\",\"port\":8883,\"session\":1}",
    "info activate_cloud init.connected {\"session\":1}",
    "info activate_cloud request.sent {\"value\":\"GET_BROKER_DATA\"}",
    "warn activate_cloud reply.refused {\"error\":\"unknown_activation_code\",\"retry_ms\":11000}",
    "info activate_cloud request.sent {\"value\":\"GET_BROKER_DATA\"}",
    "warn activate_cloud reply.invalid {\"what\":\"broker_data\",\"reason\":\"malformed_json\",\"detail\":\"not valid JSON\"}",
    "warn activate_cloud reply.ignored {\"topic\":\"******x2/wifi/in\",\"why\":\"not awaited in this state\"}",
    "warn activate_cloud reply.invalid {\"topic\":\"******x2/activation/in\",\"reason\":\"oversized\",\"bytes\":5000}",
    "info activate_cloud reply.broker_data {\"host\":\"cloud.example\",\"port\":8884,\"user\":\"u-0001\",\"cert_bytes\":191}",
    "info activate_cloud record.commit {\"broker\":\"cloud\",\"host\":\"cloud.example\",\"port\":8884}",
    "info connect broker.connect {\"host\":\"cloud.example\",\"port\":8884,\"session\":2,\"will\":false}",
    "info connect broker.connected {\"session\":2}",
    "info home_prefix home_prefix.request {\"entities\":3}",
    "warn home_prefix session.closed {\"reason\":\"network\",\"detail\":\"reset\",\"retry_ms\":15000}",
    "info connect broker.connect {\"host\":\"cloud.example\",\"port\":8884,\"session\":3,\"will\":false}",
    "info connect broker.connected {\"session\":3}",
    "info home_prefix home_prefix.request {\"entities\":3}",
    "warn home_prefix home.invalid {\"reason\":\"oversized\",\"bytes\":5000}",
    "warn home_prefix record.rollback {}",
    "error unprovisioned onboarding.failed {\"reason\":\"activation_expired\"}",
    "info unprovisioned onboarding.start {\"device\":\"dev-socket-0001\",\"type\":\"socket\",\"window_s\":900}",
    "info wifi_wps wps.start {\"timeout_s\":120}",
    "info wifi_wps wps.joined {\"ssid\":\"HomeNet\"}",
    "info discover mdns.browse {\"window_ms\":3000}",
    "info discover mdns.not_found {\"next\":\"cloud\"}",
    "info activate_cloud init.connect {\"host\":\"discovery.example\",\"port\":8883,\"session\":4}",
    "info activate_cloud init.connected {\"session\":4}",
    "info activate_cloud request.sent {\"value\":\"GET_BROKER_DATA\"}",
    "error activate_cloud reply.error {\"error\":\"activation_expired\"}",
    "error unprovisioned onboarding.failed {\"reason\":\"activation_expired\"}",
  ]);
});

test("log: the guest Wi-Fi flow with failed joins, a broker not found on the guest network and the fallback address", () => {
  const r = rig(0.5);
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
  r.send({ type: "wifi_done", result: { ok: false, reason: "no such network" } });
  r.send({ type: "timer", name: "retry" });
  r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: null });
  r.send({ type: "timer", name: "retry" });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "10.42.0.1", port: 8883 } });
  r.connected();
  r.message(`${AC}/activation/in`, creds());
  r.send({ type: "timer", name: "retry" });
  r.message(`${AC}/wifi/in`, wifiCreds());
  r.send({ type: "wifi_done", result: { ok: false, reason: "wrong passphrase" } });
  r.send({ type: "timer", name: "retry" });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: null });
  deepEqual(lines(r.all), [
    "info boot boot.unprovisioned {}",
    "info boot onboarding.start {\"device\":\"dev-socket-0001\",\"type\":\"socket\",\"window_s\":900}",
    "info wifi_wps wps.start {\"timeout_s\":120}",
    "info wifi_wps wps.failed {\"reason\":\"timeout\"}",
    "info wifi_guest guest.join {\"ssid\":\"MQTT2GO\"}",
    "warn wifi_guest guest.failed {\"reason\":\"no such network\",\"retry_ms\":500}",
    "info wifi_wps wps.start {\"timeout_s\":120}",
    "info wifi_wps wps.failed {\"reason\":\"timeout\"}",
    "info wifi_guest guest.join {\"ssid\":\"MQTT2GO\"}",
    "info wifi_guest guest.joined {\"ssid\":\"MQTT2GO\"}",
    "info discover mdns.browse {\"window_ms\":3000}",
    "warn discover mdns.not_found {\"retry_ms\":500}",
    "info discover mdns.browse {\"window_ms\":3000}",
    "info discover mdns.found {\"host\":\"MQTT2GO.local\",\"address\":\"10.42.0.1\",\"port\":8883}",
    "info activate_local init.connect {\"host\":\"10.42.0.1\",\"port\":8883,\"session\":1}",
    "info activate_local init.connected {\"session\":1}",
    "info activate_local request.sent {\"value\":\"GET_CREDENTIALS\"}",
    "info activate_local reply.credentials {\"user\":\"u-0001\",\"cert_bytes\":191}",
    "info activate_local request.sent {\"value\":\"GET_WIFI_CREDENTIALS\"}",
    "info activate_local request.sent {\"value\":\"GET_WIFI_CREDENTIALS\"}",
    "info activate_local reply.wifi {\"ssid\":\"HomeNet\"}",
    "info wifi_home wifi.join {\"ssid\":\"HomeNet\"}",
    "warn wifi_home wifi.failed {\"reason\":\"wrong passphrase\",\"retry_ms\":1000}",
    "info wifi_home wifi.join {\"ssid\":\"HomeNet\"}",
    "info wifi_home wifi.joined {\"ssid\":\"HomeNet\"}",
    "info rediscover mdns.browse {\"window_ms\":3000}",
    "warn rediscover mdns.not_found {\"fallback\":\"10.42.0.1\"}",
    "info rediscover record.commit {\"broker\":\"local\",\"host\":\"10.42.0.1\",\"port\":8883}",
    "info connect broker.connect {\"host\":\"10.42.0.1\",\"port\":8883,\"session\":2,\"will\":false}",
  ]);
});

test("log: a provisioned local unit: ignored events, a failed join, a moved broker whose update cannot be stored, a duplicate CONNACK, factory reset", () => {
  const r = rig(0.5);
  r.send({ type: "boot", record: provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883, name: "MQTT2GO.local" } }) });
  r.send({ type: "boot", record: null });
  r.send({ type: "start" });
  r.send({ type: "wps_done", result: { ok: true, ssid: "x", password: "y" } });
  r.send({ type: "wifi_done", result: { ok: false, reason: "no such network" } });
  r.send({ type: "timer", name: "retry" });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: { host: "MQTT2GO.local", address: "192.168.1.77", port: 8883 } });
  r.send({ type: "mdns_done", found: null });
  r.send({ type: "store_failed", error: "nvs full", purpose: "address", before: r.state });
  r.connected();
  r.connected();
  r.send({ type: "factory_reset" });
  deepEqual(lines(r.all), [
    "info boot boot.provisioned {\"broker\":\"local\",\"host\":\"192.168.1.10\",\"port\":8883,\"prefix\":true}",
    "info wifi_home wifi.join {\"ssid\":\"HomeNet\"}",
    "warn wifi_home boot.ignored {\"phase\":\"wifi_home\"}",
    "info wifi_home start.ignored {\"phase\":\"wifi_home\"}",
    "warn wifi_home wps.ignored {\"phase\":\"wifi_home\"}",
    "warn wifi_home wifi.failed {\"reason\":\"no such network\",\"retry_ms\":500}",
    "info wifi_home wifi.join {\"ssid\":\"HomeNet\"}",
    "info wifi_home wifi.joined {\"ssid\":\"HomeNet\"}",
    "info rediscover mdns.browse {\"window_ms\":3000}",
    "warn rediscover wifi.ignored {\"phase\":\"rediscover\"}",
    "info rediscover mdns.found {\"host\":\"MQTT2GO.local\",\"address\":\"192.168.1.77\",\"port\":8883}",
    "info connect broker.connect {\"host\":\"192.168.1.77\",\"port\":8883,\"session\":1,\"will\":true}",
    "warn connect mdns.ignored {\"phase\":\"connect\"}",
    "error connect record.failed {\"error\":\"nvs full\",\"purpose\":\"address\",\"using\":\"record in RAM\"}",
    "info connect broker.connect {\"host\":\"192.168.1.77\",\"port\":8883,\"session\":2,\"will\":true}",
    "info connect broker.connected {\"session\":2}",
    "info operational operational {\"home\":\"home1\",\"gateway\":\"gw1\",\"name\":\"\"}",
    "warn operational connected.ignored {\"phase\":\"operational\"}",
    "warn operational factory_reset {}",
  ]);
});
