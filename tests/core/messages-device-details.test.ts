// What the device decodes: each refusal names the field at fault (the device's log line says which),
// and the controller messages the gateway decodes do the same.
import { deepEqual, equal, test } from "../harness";
import {
  decodeAboutQuery, decodeAddDeviceOut, decodeAddDeviceRequest, decodeBrokerData, decodeCommand, decodeControllerRename, decodeHomeIn,
  decodeMqttCredentials, decodeRemove, decodeSetupResult, decodeWifiCredentials, encodeControllerRename,
} from "../../src/core/messages";
import { PEM, T, obj, outcome, table } from "./message-fixtures";


test("mqtt_credentials: cert, user and password named", () => {
  const msg = (value: Record<string, unknown>): string => obj({ timestamp: T, type: "mqtt_credentials", value: { cert: PEM, user: "U", password: "P", ...value } });
  table(decodeMqttCredentials, [
    [msg({ cert: "not a pem" }), "invalid_value: value.cert is not acceptable"],
    [msg({ user: "" }), "invalid_value: value.user is not acceptable"],
    [msg({ password: "x".repeat(257) }), "invalid_value: value.password is not acceptable"],
    [obj({ type: "mqtt_credentials", value: "x" }), "wrong_type: value is not an object"],
  ]);
  deepEqual(decodeMqttCredentials(msg({})), { ok: true, value: { cert: PEM, user: "U", password: "P" } });
});

test("wifi_credentials: SSID and password named", () => {
  const msg = (value: Record<string, unknown>): string => obj({ timestamp: T, type: "wifi_credentials", value: { SSID: "home", password: "12345678", ...value } });
  table(decodeWifiCredentials, [
    [msg({ SSID: "é".repeat(17) }), "invalid_value: value.SSID is not acceptable"],
    [msg({ password: "1234567" }), "invalid_value: value.password is not acceptable"],
    [obj({ type: "wifi_credentials" }), "missing_field: value"],
  ]);
  deepEqual(decodeWifiCredentials(msg({ SSID: "é".repeat(16) })), { ok: true, value: { ssid: "é".repeat(16), password: "12345678" } });
});

test("broker_data: error, broker_ip, certificate (either key), user and password named", () => {
  const base = { broker_ip: "broker.example:8883", device_certificate: PEM, user: "U", password: "P" };
  const msg = (value: Record<string, unknown>, drop?: string): string => {
    const v: Record<string, unknown> = { ...base, ...value };
    if (drop) delete v[drop];
    return obj({ type: "broker_data", timestamp: T, value: v });
  };
  table(decodeBrokerData, [
    [obj({ type: "broker_data", value: { error: 1 } }), "wrong_type: value.error is not a string"],
    [obj({ type: "broker_data", value: { error: "nope" } }), "invalid_value: value.error is not a known error"],
    [msg({}, "broker_ip"), "missing_field: value.broker_ip"],
    [msg({ broker_ip: "a b" }), "invalid_value: broker_ip: bad host"],
    [msg({ device_certificate: "x" }), "invalid_value: value.device_certificate is not acceptable"],
    [msg({ cert: "x" }, "device_certificate"), "invalid_value: value.cert is not acceptable"],
    [msg({}, "device_certificate"), "missing_field: value.device_certificate"],
    [msg({ user: "a\nb" }), "invalid_value: value.user is not acceptable"],
    [msg({ password: "" }), "invalid_value: value.password is not acceptable"],
  ]);
  deepEqual(decodeBrokerData(obj({ type: "broker_data", value: { error: "activation_expired" } })), { ok: true, value: { kind: "error", error: "activation_expired" } });
});

test("home/in: home_prefix and rename_device fields named", () => {
  table(decodeHomeIn, [
    [obj({ type: "status", value: {} }), "unexpected_type: type is not home_prefix or rename_device"],
    [obj({ type: "home_prefix", value: { gateway_id: "G" } }), "missing_field: value.home_id"],
    [obj({ type: "home_prefix", value: { home_id: "H", gateway_id: "G/1" } }), "invalid_id: value.gateway_id is not a valid id"],
    [obj({ type: "rename_device", value: { device_name: "Lamp", group_id: [] } }), "missing_field: value.device_id"],
    [obj({ type: "rename_device", value: { device_id: "D", device_name: "", group_id: [] } }), "invalid_value: value.device_name is not acceptable"],
    [obj({ type: "rename_device", value: { device_id: "D", device_name: "Lamp", group_id: "g" } }), "wrong_type: value.group_id is not an array"],
  ]);
});

test("command, remove and about: the refusal says why", () => {
  table(decodeCommand, [
    [obj({ type: "toggle", value: 1 }), "unsupported_command: unknown command type"],
    [obj({ type: "set" }), "missing_field: value"],
  ]);
  table(decodeRemove, [
    ["[]", "invalid_value: remove is not an object"],
    [obj({ type: "set", value: "true" }), "invalid_value: remove type is not control"],
    [obj({ type: "control", value: "yes" }), "invalid_value: remove value is not true"],
  ]);
  table(decodeAboutQuery, [[obj({ type: "set" }), "unsupported_command: about only answers query"]]);
});

test("controller add_device/out and setup_result: every field named", () => {
  const add = (value: Record<string, unknown>): string => obj({ timestamp: T, value: { activation_code: "ABCDEFGH", device_id: "D1", device_type: "switch", ...value } });
  const rows: [string, string][] = [
    [add({ activation_code: "A B" }), "invalid_id: value.activation_code is not a valid id"],
    [add({ activation_code: "ABCDEFG" }), "invalid_value: value.activation_code is shorter than 8 characters"],
    [add({ device_id: "" }), "invalid_id: value.device_id is not a valid id"],
    [add({ device_type: 1 }), "wrong_type: value.device_type is not a string"],
  ];
  table(decodeAddDeviceRequest, rows);
  table(decodeAddDeviceOut, rows);
  const rename = (value: Record<string, unknown>): string => obj({ timestamp: T, value: { device_id: "D1", device_name: "Lamp", group_id: [], ...value } });
  const renameRows: [string, string][] = [
    [rename({ device_id: undefined }), "missing_field: value.device_id"],
    [rename({ device_name: "\u0000" }), "invalid_value: value.device_name is not acceptable"],
    [rename({ group_id: [1] }), "wrong_type: value.group_id[0] is not a string"],
  ];
  table(decodeControllerRename, renameRows);
  table(decodeAddDeviceOut, renameRows);
  deepEqual(decodeControllerRename(encodeControllerRename(T, "D1", "Lamp", ["g1"])), { ok: true, value: { deviceId: "D1", name: "Lamp", groups: ["g1"], timestamp: T } });
  table(decodeSetupResult, [
    [obj({ value: { setup_result: "ok" } }), "missing_field: value.device_id"],
    [obj({ value: { device_id: "D1", setup_result: "" } }), "invalid_value: value.setup_result is not acceptable"],
  ]);
  equal(outcome(decodeSetupResult(obj({ timestamp: T, value: { device_id: "D1", setup_result: "done" } }))), "ok");
});
