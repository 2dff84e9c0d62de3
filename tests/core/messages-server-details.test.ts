// What the gateway / discovery server decodes from a device: each refusal with its exact reason
// and the field it names, and malformed text refused (never thrown) by every decoder.
import { deepEqual, equal, test } from "../harness";
import {
  decodeAbout, decodeActivationRequest, decodeConfirmation, decodeError, decodeHomePrefixRequest, decodeRemoveConfirmation, decodeReport,
  decodeStatus, decodeWifiRequest, encodeAbout, encodeRename, MAX_ENTITIES,
} from "../../src/core/messages";
import { isWifiPassword, readEntityValue } from "../../src/core/message-fields";
import { T, obj, outcome, table } from "./message-fixtures";


const notJson: [string, string][] = [["{", "malformed_json: not valid JSON"], ["[]", "not_object: payload is not a JSON object"]];

test("activation/out: type and request named exactly", () => {
  table(decodeActivationRequest, [
    ...notJson,
    [obj({ type: "home_prefix", value: "GET_CREDENTIALS" }), "unexpected_type: type is not mqtt_credentials or broker_data"],
    [obj({ type: 1, value: "GET_CREDENTIALS" }), "wrong_type: type is not a string"],
    [obj({ type: "broker_data", value: "GET_WIFI_CREDENTIALS" }), "invalid_value: value is not a known request"],
    [obj({ type: "broker_data", value: 5 }), "wrong_type: value is not a string"],
    [obj({ type: "broker_data" }), "missing_field: value"],
  ]);
  deepEqual(decodeActivationRequest(obj({ value: "GET_BROKER_DATA" })), { ok: true, value: "GET_BROKER_DATA" });
});

test("wifi request: only GET_WIFI_CREDENTIALS under type wifi_credentials", () => {
  table(decodeWifiRequest, [
    ...notJson,
    [obj({ type: "mqtt_credentials", value: "GET_WIFI_CREDENTIALS" }), "unexpected_type: type is not wifi_credentials"],
    [obj({ type: "wifi_credentials", value: "GET_CREDENTIALS" }), "invalid_value: value is not GET_WIFI_CREDENTIALS"],
    [obj({ type: "wifi_credentials", value: true }), "wrong_type: value is not a string"],
    [obj({ type: "wifi_credentials" }), "missing_field: value"],
  ]);
  deepEqual(decodeWifiRequest(obj({ type: "wifi_credentials", value: "GET_WIFI_CREDENTIALS" })), { ok: true, value: true });
});

test("home/out entity list: each item checked in order, the item named", () => {
  const msg = (value: unknown): string => obj({ type: "home_prefix", timestamp: T, value });
  const e = { name: "switch", unit: "", type: "s" };
  table(decodeHomePrefixRequest, [
    ...notJson,
    [obj({ type: "status", value: [] }), "unexpected_type: type is not home_prefix"],
    [msg({}), "wrong_type: value is not an array"],
    [msg([e, 1]), "wrong_type: value[1] is not an object"],
    [msg([{ unit: "", type: "s" }]), "missing_field: value[0].name"],
    [msg([{ name: "a", type: "s" }]), "missing_field: value[0].unit"],
    [msg([{ name: "a", unit: "" }]), "missing_field: value[0].type"],
    [msg([{ name: 1, unit: "", type: "s" }]), "wrong_type: value[0] has a non-string field"],
    [msg([{ name: "a", unit: 1, type: "s" }]), "wrong_type: value[0] has a non-string field"],
    [msg([{ name: "a", unit: "", type: 1 }]), "wrong_type: value[0] has a non-string field"],
    [msg([{ name: "a b", unit: "", type: "s" }]), "invalid_id: value[0].name is not a valid id"],
    [msg([{ name: "a", unit: "x".repeat(33), type: "s" }]), "invalid_value: value[0].unit is not acceptable"],
    [msg([{ name: "a", unit: "", type: "x" }]), "invalid_value: value[0].type is not a type code"],
    [msg([e, { name: "b", unit: "", type: "b" }, e]), "invalid_value: value[2].name is a duplicate"],
  ]);
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `e${i}`, unit: "", type: "f" }));
  equal(MAX_ENTITIES, 64);
  deepEqual(decodeHomePrefixRequest(msg(many(64))), { ok: true, value: many(64) });
  equal(outcome(decodeHomePrefixRequest(msg(many(65)))), "invalid_value: value has more than 64 entities");
  deepEqual(decodeHomePrefixRequest(msg([{ name: "a", unit: "x".repeat(32), type: "rgb" }])), { ok: true, value: [{ name: "a", unit: "x".repeat(32), type: "rgb" }] });
});

test("confirmation: priority 2, a plain value or exactly {r,g,b}", () => {
  const msg = (o: object): string => obj({ type: "command_response", priority_level: 2, timestamp: T, ...o });
  table(decodeConfirmation, [
    ...notJson,
    [msg({ type: "error" }), "unexpected_type: type is not command_response"],
    [msg({ priority_level: 1, value: 1 }), "invalid_value: unexpected priority_level"],
    [msg({}), "missing_field: value"],
    [msg({ value: null }), "wrong_type: value is not a value"],
    [msg({ value: [1] }), "wrong_type: value is not a value"],
    [msg({ value: { r: 1, g: 2 } }), "invalid_value: value is not {r,g,b}"],
    [msg({ value: { r: -1, g: 0, b: 0 } }), "invalid_value: value is not {r,g,b}"],
    [msg({ value: { r: "1", g: 0, b: 0 } }), "invalid_value: value is not {r,g,b}"],
    [msg({ value: { r: 0, g: 256, b: 0 } }), "invalid_value: value is not {r,g,b}"],
    [msg({ value: { r: 0, g: 0, b: 1.5 } }), "invalid_value: value is not {r,g,b}"],
    [msg({ value: { r: 0, g: 0, b: 0, w: 0 } }), "invalid_value: value is not {r,g,b}"],
  ]);
  deepEqual(decodeConfirmation(msg({ value: { r: 0, g: 255, b: 7 } })), { ok: true, value: { value: { r: 0, g: 255, b: 7 }, timestamp: T } });
  deepEqual(readEntityValue(undefined, "x.value"), { ok: false, error: { reason: "missing_field", detail: "x.value" } });
});

test("periodic report: priority 3, report.value and report.unit named", () => {
  const msg = (report: unknown): string => obj({ type: "periodic_report", priority_level: 3, timestamp: T, report });
  table(decodeReport, [
    ...notJson,
    [obj({ type: "periodic_report", priority_level: 3 }), "missing_field: report"],
    [msg(5), "wrong_type: report is not an object"],
    [msg({ unit: "C" }), "missing_field: report.value"],
    [msg({ value: [], unit: "C" }), "wrong_type: report.value is not a value"],
    [msg({ value: 21 }), "missing_field: report.unit"],
    [msg({ value: 21, unit: 1 }), "wrong_type: report.unit is not a string"],
  ]);
  deepEqual(decodeReport(msg({ value: 21, unit: "C" })), { ok: true, value: { value: 21, unit: "C", timestamp: T } });
});

test("error report: priority 1, value.event error, a known reason", () => {
  const msg = (value: unknown): string => obj({ type: "error", priority_level: 1, timestamp: T, value });
  table(decodeError, [
    ...notJson,
    [obj({ type: "error", priority_level: 3, value: { event: "error", reason: "busy" } }), "invalid_value: unexpected priority_level"],
    [msg("busy"), "wrong_type: value is not an object"],
    [msg({ reason: "busy" }), "missing_field: value.event"],
    [msg({ event: 1, reason: "busy" }), "wrong_type: value.event is not a string"],
    [msg({ event: "warning", reason: "busy" }), "invalid_value: value.event is not error"],
    [msg({ event: "error" }), "missing_field: value.reason"],
    [msg({ event: "error", reason: null }), "wrong_type: value.reason is not a string"],
    [msg({ event: "error", reason: "on_fire" }), "invalid_value: value.reason is not a known reason"],
  ]);
  for (const reason of ["malformed_json", "invalid_value", "unsupported_command", "payload_too_large", "busy", "hardware_fault"])
    deepEqual(decodeError(msg({ event: "error", reason })), { ok: true, value: { reason, timestamp: T } }, reason);
});

test("status: online/offline at priority 3 or 1", () => {
  const msg = (value: unknown, priority_level = 3): string => obj({ type: "status", priority_level, timestamp: T, value });
  table(decodeStatus, [
    ...notJson,
    [msg("online", 2), "invalid_value: unexpected priority_level"],
    [obj({ type: "status", priority_level: 3 }), "missing_field: value"],
    [msg(true), "wrong_type: value is not a string"],
    [msg("away"), "invalid_value: value is not online or offline"],
  ]);
  deepEqual(decodeStatus(msg("offline", 1)), { ok: true, value: { status: "offline", priority: 1, timestamp: T } });
});

test("about: every field named when wrong", () => {
  const info = { deviceId: "D1", deviceType: "switch", deviceName: "", groups: ["g1"], fwVersion: "1.0", entities: [{ name: "switch", unit: "", type: "s" as const }] };
  const good = JSON.parse(encodeAbout(T, info)) as { value: Record<string, unknown> };
  const msg = (patch: Record<string, unknown>, drop?: string): string => {
    const value: Record<string, unknown> = { ...good.value, ...patch };
    if (drop) delete value[drop];
    return obj({ ...good, value });
  };
  table(decodeAbout, [
    ...notJson,
    [obj({ ...good, value: "x" }), "wrong_type: value is not an object"],
    [msg({}, "device_id"), "missing_field: value.device_id"],
    [msg({ device_id: "a b" }), "invalid_id: value.device_id is not a valid id"],
    [msg({}, "device_type"), "missing_field: value.device_type"],
    [msg({ device_type: 3 }), "wrong_type: value.device_type is not a string"],
    [msg({}, "device_name"), "missing_field: value.device_name"],
    [msg({ device_name: "a\u0000" }), "invalid_value: value.device_name is not acceptable"],
    [msg({}, "groups"), "missing_field: value.groups"],
    [msg({ groups: ["g 1"] }), "invalid_id: value.groups[0] is not a valid id"],
    [msg({}, "fw_version"), "missing_field: value.fw_version"],
    [msg({ fw_version: "" }), "invalid_value: value.fw_version is not acceptable"],
    [msg({}, "entities"), "missing_field: value.entities"],
    [msg({ entities: [{ name: "x", unit: "", type: "q" }] }), "invalid_value: value.entities[0].type is not a type code"],
    [msg({}, "status"), "missing_field: value.status"],
    [msg({ status: "busy" }), "invalid_value: value.status is not online or offline"],
  ]);
  deepEqual(decodeAbout(encodeAbout(T, info)), { ok: true, value: { ...info, status: "online", timestamp: T } });
});

test("remove confirmation: exactly the text \"true\"", () => {
  const msg = (value: unknown): string => obj({ type: "command_response", priority_level: 2, timestamp: T, value });
  table(decodeRemoveConfirmation, [
    ...notJson,
    [msg(true), "wrong_type: value is not a string"],
    [msg("false"), "invalid_value: value is not \"true\""],
    [obj({ type: "command_response", priority_level: 2 }), "missing_field: value"],
  ]);
});

test("rename encodes the groups as given", () => {
  deepEqual(JSON.parse(encodeRename(T, "D1", "Lamp", ["a", "b"])), { timestamp: T, type: "rename_device", value: { device_id: "D1", device_name: "Lamp", group_id: ["a", "b"] } });
});

test("isWifiPassword: 8-63 printable ASCII characters, space and ~ included", () => {
  for (const p of ["12345678", " ~ ~ ~ ~", "~".repeat(63), "a".repeat(8)]) equal(isWifiPassword(p), true, p);
  for (const p of ["1234567", "a".repeat(64), "1234567\u007f", "1234567\u001f", "1234567\u00e9", "1234567\u0080"]) equal(isWifiPassword(p), false, JSON.stringify(p));
});
