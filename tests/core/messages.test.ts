import { test, assert, deepEqual, equal } from "../harness";
import {
  decodeAbout, decodeAboutQuery, decodeActivationRequest, decodeAddDeviceOut, decodeAddDeviceRequest, decodeBrokerData, decodeCommand,
  decodeConfirmation, decodeControllerRename, decodeError, decodeHomeIn, decodeHomePrefixRequest, decodeMqttCredentials, decodeRemove,
  decodeRemoveConfirmation, decodeReport, decodeSetupResult, decodeStatus, decodeWifiCredentials, decodeWifiRequest, encodeAbout,
  encodeAboutQuery, encodeAddDeviceRequest, encodeBrokerData, encodeBrokerError, encodeCommand, encodeConfirmation, encodeControllerRename,
  encodeError, encodeGetBrokerData, encodeGetCredentials, encodeGetWifiCredentials, encodeHomePrefix, encodeHomePrefixRequest,
  encodeMqttCredentials, encodeRemove, encodeRemoveConfirmation, encodeRename, encodeReport, encodeSetupResult, encodeStatus, encodeWifiCredentials,
  encodeWill, errorReasonFor, MAX_PAYLOAD_BYTES, utf8Length,
  type AboutInfo, type CommandType, type DecodeReason, type Decoded, type EntityDescriptor, type EntityValue, type ErrorReason,
} from "../../src/core/messages";
import { PEM, T, withKey } from "./message-fixtures";

function value<V>(r: Decoded<V>, label = ""): V {
  if (!r.ok) throw new Error(`${label} expected ok, got ${r.error.reason}: ${r.error.detail}`);
  return r.value;
}

const entities: EntityDescriptor[] = [
  { name: "switch", unit: "", type: "s" },
  { name: "power", unit: "W", type: "f" },
  { name: "count", unit: "", type: "i" },
  { name: "motion", unit: "", type: "b" },
  { name: "color", unit: "", type: "rgb" },
  { name: "temperature", unit: "°C", type: "f" },
];

test("device encoders: exact PROTOCOL.md shapes", () => {
  const rows: [string, string][] = [
    [encodeGetCredentials(T), `{"timestamp":${T},"type":"mqtt_credentials","value":"GET_CREDENTIALS"}`],
    [encodeGetWifiCredentials(T), `{"timestamp":${T},"type":"wifi_credentials","value":"GET_WIFI_CREDENTIALS"}`],
    [encodeGetBrokerData(T), `{"timestamp":${T},"type":"broker_data","value":"GET_BROKER_DATA"}`],
    [encodeHomePrefixRequest(T, entities.slice(0, 2)),
      `{"timestamp":${T},"type":"home_prefix","value":[{"name":"switch","unit":"","type":"s"},{"name":"power","unit":"W","type":"f"}]}`],
    [encodeConfirmation(T, "on"), `{"type":"command_response","priority_level":2,"timestamp":${T},"value":"on"}`],
    [encodeConfirmation(T, 42.5), `{"type":"command_response","priority_level":2,"timestamp":${T},"value":42.5}`],
    [encodeConfirmation(T, true), `{"type":"command_response","priority_level":2,"timestamp":${T},"value":true}`],
    [encodeConfirmation(T, { r: 1, g: 2, b: 3 }), `{"type":"command_response","priority_level":2,"timestamp":${T},"value":{"r":1,"g":2,"b":3}}`],
    [encodeReport(T, 12.5, "W"), `{"type":"periodic_report","priority_level":3,"timestamp":${T},"report":{"value":12.5,"unit":"W"}}`],
    [encodeError(T, "invalid_value"), `{"type":"error","priority_level":1,"timestamp":${T},"value":{"event":"error","reason":"invalid_value"}}`],
    [encodeStatus(T, "online"), `{"type":"status","priority_level":3,"timestamp":${T},"value":"online"}`],
    [encodeStatus(T, "offline"), `{"type":"status","priority_level":3,"timestamp":${T},"value":"offline"}`],
    [encodeWill(), `{"type":"status","priority_level":1,"timestamp":0,"value":"offline"}`],
    [encodeRemoveConfirmation(T), `{"type":"command_response","priority_level":2,"timestamp":${T},"value":"true"}`],
    [encodeAbout(T, { deviceId: "dev-1", deviceType: "socket", deviceName: "Lamp", groups: ["g1"], fwVersion: "0.1.0", entities: entities.slice(0, 1) }),
      `{"type":"command_response","priority_level":2,"timestamp":${T},"value":{"device_id":"dev-1","device_type":"socket","device_name":"Lamp",` +
      `"groups":["g1"],"fw_version":"0.1.0","entities":[{"name":"switch","unit":"","type":"s"}],"status":"online"}}`],
  ];
  for (const [i, [actual, expected]] of rows.entries()) equal(actual, expected, `row ${i}`);
});

test("encoders emit integer seconds, 0 when the clock is not valid", () => {
  equal(encodeGetCredentials(undefined), `{"timestamp":0,"type":"mqtt_credentials","value":"GET_CREDENTIALS"}`);
  equal(encodeStatus(NaN, "online"), `{"type":"status","priority_level":3,"timestamp":0,"value":"online"}`);
  equal(encodeError(T + 0.75, "busy"), `{"type":"error","priority_level":1,"timestamp":${T},"value":{"event":"error","reason":"busy"}}`);
});

test("encoders copy only the protocol's keys (no extra properties leak)", () => {
  const rgb = { r: 9, g: 8, b: 7, secret: "x" } as EntityValue;
  equal(encodeConfirmation(T, rgb), `{"type":"command_response","priority_level":2,"timestamp":${T},"value":{"r":9,"g":8,"b":7}}`);
  const e = { name: "switch", type: "s", unit: "", access: "rw" } as EntityDescriptor;
  equal(encodeHomePrefixRequest(0, [e]), `{"timestamp":0,"type":"home_prefix","value":[{"name":"switch","unit":"","type":"s"}]}`);
});

test("server encoders: exact shapes", () => {
  const rows: [string, string][] = [
    [encodeMqttCredentials(T, { cert: "C", user: "U", password: "P" }), `{"timestamp":${T},"type":"mqtt_credentials","value":{"cert":"C","user":"U","password":"P"}}`],
    [encodeWifiCredentials(T, { ssid: "S", password: "W" }), `{"timestamp":${T},"type":"wifi_credentials","value":{"SSID":"S","password":"W"}}`],
    [encodeBrokerData(T, { broker: "b.example", cert: "C", user: "U", password: "P" }),
      `{"type":"broker_data","timestamp":${T},"value":{"broker_ip":"b.example","device_certificate":"C","user":"U","password":"P"}}`],
    [encodeBrokerData(T, { broker: { host: "::1", port: 8883 }, cert: "C", user: "U", password: "P" }),
      `{"type":"broker_data","timestamp":${T},"value":{"broker_ip":"[::1]:8883","device_certificate":"C","user":"U","password":"P"}}`],
    [encodeBrokerError(T, "activation_expired"), `{"type":"broker_data","timestamp":${T},"value":{"error":"activation_expired"}}`],
    [encodeHomePrefix(T, "H", "G"), `{"timestamp":${T},"type":"home_prefix","value":{"home_id":"H","gateway_id":"G"}}`],
    [encodeRename(T, "D", "N", ["g1", "g2"]), `{"timestamp":${T},"type":"rename_device","value":{"device_id":"D","device_name":"N","group_id":["g1","g2"]}}`],
    [encodeCommand(T, "set", "on"), `{"type":"set","timestamp":${T},"value":"on"}`],
    [encodeRemove(T), `{"type":"control","timestamp":${T},"value":"true"}`],
    [encodeAboutQuery(T), `{"priority_level":2,"timestamp":${T},"type":"query"}`],
    [encodeAddDeviceRequest(T, { activationCode: "AC123456", deviceId: "D", deviceType: "socket" }),
      `{"timestamp":${T},"value":{"activation_code":"AC123456","device_id":"D","device_type":"socket"}}`],
    [encodeSetupResult(T, "D", "success"), `{"timestamp":${T},"value":{"device_id":"D","setup_result":"success"}}`],
    [encodeControllerRename(T, "D", "N", ["g1"]), `{"timestamp":${T},"value":{"device_id":"D","device_name":"N","group_id":["g1"]}}`],
  ];
  for (const [i, [actual, expected]] of rows.entries()) equal(actual, expected, `row ${i}`);
});

test("round trip: device requests → server decoders", () => {
  equal(value(decodeActivationRequest(encodeGetCredentials(T))), "GET_CREDENTIALS");
  equal(value(decodeActivationRequest(encodeGetBrokerData(T))), "GET_BROKER_DATA");
  equal(value(decodeActivationRequest(`{"timestamp":${T},"value":"GET_BROKER_DATA"}`)), "GET_BROKER_DATA", "the newest spec's request has no type");
  equal(value(decodeWifiRequest(encodeGetWifiCredentials(T))), true);
  deepEqual(value(decodeHomePrefixRequest(encodeHomePrefixRequest(T, entities))), entities);
  deepEqual(value(decodeHomePrefixRequest(encodeHomePrefixRequest(T, []))), []);
});

test("round trip: entity outputs → server decoders", () => {
  const values: EntityValue[] = ["on", "off", 0, -3, 12.25, true, false, { r: 0, g: 128, b: 255 }, ""];
  for (const v of values) {
    deepEqual(value(decodeConfirmation(encodeConfirmation(T, v))), { value: v, timestamp: T }, JSON.stringify(v));
    deepEqual(value(decodeReport(encodeReport(T, v, "W"))), { value: v, unit: "W", timestamp: T }, JSON.stringify(v));
  }
  const reasons: ErrorReason[] = ["malformed_json", "invalid_value", "unsupported_command", "busy", "hardware_fault"];
  for (const r of reasons) deepEqual(value(decodeError(encodeError(T, r))), { reason: r, timestamp: T }, r);
  deepEqual(value(decodeStatus(encodeStatus(T, "online"))), { status: "online", priority: 3, timestamp: T });
  deepEqual(value(decodeStatus(encodeStatus(0, "offline"))), { status: "offline", priority: 3, timestamp: undefined });
  deepEqual(value(decodeStatus(encodeWill())), { status: "offline", priority: 1, timestamp: undefined });
  equal(value(decodeRemoveConfirmation(encodeRemoveConfirmation(T))), true);
  const info: AboutInfo = { deviceId: "dev-0001", deviceType: "multi_sensor", deviceName: "Küche Sensor", groups: ["kitchen", "g.2"], fwVersion: "1.2.3", entities };
  deepEqual(value(decodeAbout(encodeAbout(T, info))), { ...info, status: "online", timestamp: T });
  const unnamed: AboutInfo = { ...info, deviceName: "", groups: [] };
  deepEqual(value(decodeAbout(encodeAbout(T, unnamed))), { ...unnamed, status: "online", timestamp: T }, "not yet renamed");
});

test("server decoders tell similar device messages apart", () => {
  const wrong: [string, Decoded<unknown>, DecodeReason][] = [
    ["about as confirmation", decodeConfirmation(encodeAbout(T, { deviceId: "d", deviceType: "t", deviceName: "", groups: [], fwVersion: "1", entities: [] })), "invalid_value"],
    ["confirmation as about", decodeAbout(encodeConfirmation(T, "on")), "wrong_type"],
    ["confirmation as remove confirmation", decodeRemoveConfirmation(encodeConfirmation(T, "on")), "invalid_value"],
    ["status as confirmation", decodeConfirmation(encodeStatus(T, "online")), "unexpected_type"],
    ["report as confirmation", decodeConfirmation(encodeReport(T, 1, "W")), "unexpected_type"],
    ["error as report", decodeReport(encodeError(T, "busy")), "unexpected_type"],
    ["wrong priority", decodeStatus(encodeStatus(T, "online").replace(`"priority_level":3`, `"priority_level":2`)), "invalid_value"],
    ["priority as text", decodeError(encodeError(T, "busy").replace(`"priority_level":1`, `"priority_level":"1"`)), "wrong_type"],
    ["no priority", decodeConfirmation(`{"type":"command_response","timestamp":1,"value":"on"}`), "missing_field"],
    ["warning event", decodeError(`{"type":"error","priority_level":1,"timestamp":1,"value":{"event":"warning","reason":"busy"}}`), "invalid_value"],
    ["unknown reason", decodeError(`{"type":"error","priority_level":1,"timestamp":1,"value":{"event":"error","reason":"oops"}}`), "invalid_value"],
    ["status value", decodeStatus(`{"type":"status","priority_level":3,"timestamp":1,"value":"away"}`), "invalid_value"],
    ["rgb out of range", decodeConfirmation(encodeConfirmation(T, { r: 256, g: 0, b: 0 })), "invalid_value"],
    ["rgb with extra key", decodeConfirmation(`{"type":"command_response","priority_level":2,"timestamp":1,"value":{"r":1,"g":2,"b":3,"a":4}}`), "invalid_value"],
    ["null value", decodeConfirmation(`{"type":"command_response","priority_level":2,"timestamp":1,"value":null}`), "wrong_type"],
    ["report without unit", decodeReport(`{"type":"periodic_report","priority_level":3,"timestamp":1,"report":{"value":1}}`), "missing_field"],
    ["report value at top", decodeReport(`{"type":"periodic_report","priority_level":3,"timestamp":1,"value":1}`), "missing_field"],
    ["wifi request value", decodeWifiRequest(`{"timestamp":1,"type":"wifi_credentials","value":"GET_CREDENTIALS"}`), "invalid_value"],
    ["wifi request type", decodeWifiRequest(encodeGetCredentials(T)), "unexpected_type"],
    ["about bad device id", decodeAbout(encodeAbout(T, { deviceId: "a/b", deviceType: "t", deviceName: "", groups: [], fwVersion: "1", entities: [] })), "invalid_id"],
    ["about bad group", decodeAbout(encodeAbout(T, { deviceId: "d", deviceType: "t", deviceName: "", groups: ["#"], fwVersion: "1", entities: [] })), "invalid_id"],
    ["about empty fw", decodeAbout(encodeAbout(T, { deviceId: "d", deviceType: "t", deviceName: "", groups: [], fwVersion: "", entities: [] })), "invalid_value"],
  ];
  for (const [label, r, reason] of wrong) {
    assert(!r.ok, `${label}: expected ok:false`);
    equal(r.error.reason, reason, label);
  }
});

test("round trip: server replies → device decoders", () => {
  deepEqual(value(decodeMqttCredentials(encodeMqttCredentials(T, { cert: PEM, user: "u-1", password: "p@ss w0rd" }))), { cert: PEM, user: "u-1", password: "p@ss w0rd" });
  deepEqual(value(decodeWifiCredentials(encodeWifiCredentials(T, { ssid: "Home Net ☕", password: "correct horse" }))), { ssid: "Home Net ☕", password: "correct horse" });
  const brokers: [string, string, number][] = [
    ["broker.example.com", "broker.example.com", 8883], ["broker.example.com:1883", "broker.example.com", 1883], ["10.0.0.5", "10.0.0.5", 8883],
    ["10.0.0.5:18883", "10.0.0.5", 18883], ["[fd00::5]:8884", "fd00::5", 8884], ["[::1]", "::1", 8883], ["localhost", "localhost", 8883],
  ];
  for (const [ip, host, port] of brokers) {
    deepEqual(value(decodeBrokerData(encodeBrokerData(T, { broker: ip, cert: PEM, user: "U", password: "P" })), ip),
      { kind: "credentials", broker: { host, port }, cert: PEM, user: "U", password: "P" }, ip);
    deepEqual(value(decodeBrokerData(encodeBrokerData(T, { broker: { host, port }, cert: PEM, user: "U", password: "P" }))),
      { kind: "credentials", broker: { host, port }, cert: PEM, user: "U", password: "P" }, `${ip} as an address`);
  }
  deepEqual(value(decodeBrokerData(encodeBrokerError(T, "activation_expired"))), { kind: "error", error: "activation_expired" });
  deepEqual(value(decodeBrokerData(encodeBrokerError(T, "unknown_activation_code"))), { kind: "error", error: "unknown_activation_code" });
  deepEqual(value(decodeHomeIn(encodeHomePrefix(T, "home-1", "gw-1"))), { kind: "home_prefix", home: "home-1", gateway: "gw-1" });
  deepEqual(value(decodeHomeIn(encodeRename(T, "dev-1", "Living room lamp", ["g1", "g2"]))), { kind: "rename", deviceId: "dev-1", name: "Living room lamp", groups: ["g1", "g2"] });
  deepEqual(value(decodeHomeIn(encodeRename(T, "dev-1", "Lampe ü 💡", []))), { kind: "rename", deviceId: "dev-1", name: "Lampe ü 💡", groups: [] });
  const types: CommandType[] = ["set", "query", "color", "brightness", "color_temp", "control"];
  for (const type of types) deepEqual(value(decodeCommand(encodeCommand(T, type, "on"))), { type, value: "on", timestamp: T }, type);
  deepEqual(value(decodeCommand(encodeCommand(T, "color", { r: 1, g: 2, b: 3 }))), { type: "color", value: { r: 1, g: 2, b: 3 }, timestamp: T });
  deepEqual(value(decodeCommand(encodeCommand(T, "set", null))), { type: "set", value: null, timestamp: T }, "null is a value; the entity judges it");
  equal(value(decodeRemove(encodeRemove(T))), true);
  equal(value(decodeAboutQuery(encodeAboutQuery(T))), true);
  const add = { activationCode: "AC123456", deviceId: "dev-1", deviceType: "socket" };
  deepEqual(value(decodeAddDeviceRequest(encodeAddDeviceRequest(T, add))), { ...add, timestamp: T });
  deepEqual(value(decodeAddDeviceOut(encodeAddDeviceRequest(T, add))), { kind: "add", ...add, timestamp: T });
  deepEqual(value(decodeSetupResult(encodeSetupResult(T, "dev-1", "success"))), { deviceId: "dev-1", result: "success", timestamp: T });
  deepEqual(value(decodeControllerRename(encodeControllerRename(T, "dev-1", "Lamp", ["g1"]))), { deviceId: "dev-1", name: "Lamp", groups: ["g1"], timestamp: T });
  deepEqual(value(decodeAddDeviceOut(encodeControllerRename(T, "dev-1", "Lamp", ["g1"]))), { kind: "rename", deviceId: "dev-1", name: "Lamp", groups: ["g1"], timestamp: T });
});

test("device decoders accept PROTOCOL.md's literal shapes and their documented variants", () => {
  const pem = JSON.stringify(PEM);
  deepEqual(value(decodeBrokerData(`{"type":"broker_data","timestamp":${T},"value":{"broker_ip":"1.2.3.4","cert":${pem},"user":"U","password":"P"}}`)),
    { kind: "credentials", broker: { host: "1.2.3.4", port: 8883 }, cert: PEM, user: "U", password: "P" }, "cert is a synonym of device_certificate");
  deepEqual(value(decodeMqttCredentials(`{"timestamp":${T},"type":"mqtt_credentials","value":{"cert":${pem},"user":"U","password":"P"}}`)), { cert: PEM, user: "U", password: "P" });
  deepEqual(value(decodeWifiCredentials(`{"timestamp":${T},"type":"wifi_credentials","value":{"SSID":"S","password":"12345678"}}`)), { ssid: "S", password: "12345678" });
  deepEqual(value(decodeHomeIn(`{"timestamp":${T},"type":"home_prefix","value":{"home_id":"H","gateway_id":"G"}}`)), { kind: "home_prefix", home: "H", gateway: "G" });
  equal(value(decodeRemove(`{"type":"control","timestamp":${T},"value":true}`)), true, "boolean true");
  equal(value(decodeRemove(`{"type":"control","value":"true"}`)), true, "no timestamp");
  equal(value(decodeAboutQuery(`{"type":"query","timestamp":${T}}`)), true, "command-shaped query");
  equal(value(decodeAboutQuery(`{"type":"query","timestamp":${T},"value":"anything"}`)), true);
  deepEqual(value(decodeCommand(`{"type":"set","value":"on","extra":{"deep":[1,2,3]}}`)), { type: "set", value: "on", timestamp: undefined }, "unknown keys are ignored");
});

test("timestamps never cause a rejection (§9)", () => {
  const stamps = ["", `"1700000000"`, `"1700000000123"`, "1700000000123", "-5", "null", `"yesterday"`, "[]", "{}", "true", "1e400"];
  const expected = [undefined, T, T, T, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
  for (const [i, s] of stamps.entries()) {
    const ts = s === "" ? "" : `"timestamp":${s},`;
    const cmd = decodeCommand(`{${ts}"type":"set","value":"on"}`);
    equal(value(cmd, `row ${i}`).timestamp, expected[i], `row ${i} (${s})`);
    assert(decodeRemove(`{${ts}"type":"control","value":"true"}`).ok, `remove row ${i}`);
    assert(decodeHomeIn(`{${ts}"type":"home_prefix","value":{"home_id":"H","gateway_id":"G"}}`).ok, `home row ${i}`);
    assert(decodeMqttCredentials(`{${ts}"type":"mqtt_credentials","value":{"cert":${JSON.stringify(PEM)},"user":"U","password":"P"}}`).ok, `creds row ${i}`);
    assert(decodeAboutQuery(`{${ts}"type":"query"}`).ok, `about row ${i}`);
    equal(value(decodeStatus(`{"type":"status","priority_level":3,${ts}"value":"online"}`), `status row ${i}`).timestamp, expected[i], `status row ${i}`);
  }
});

test("payload size limit counts UTF-8 bytes, exactly at 4096", () => {
  equal(MAX_PAYLOAD_BYTES, 4096);
  equal(utf8Length("aé€😀"), 1 + 2 + 3 + 4);
  equal(utf8Length("\ud800x"), 3 + 1, "a lone surrogate becomes U+FFFD (3 bytes)");
  equal(utf8Length("\udc00"), 3);
  const base = encodeCommand(T, "set", "on");
  const pad = (bytes: number, unit: string, unitBytes: number): string => {
    const empty = withKey(base, "pad", "");
    const room = bytes - utf8Length(empty);
    return withKey(base, "pad", unit.repeat(Math.floor(room / unitBytes)) + "x".repeat(room % unitBytes));
  };
  for (const [unit, n] of [["x", 1], ["é", 2], ["€", 3], ["😀", 4]] as [string, number][]) {
    const at = pad(4096, unit, n), over = pad(4097, unit, n);
    equal(utf8Length(at), 4096, `${unit} at`);
    equal(utf8Length(over), 4097, `${unit} over`);
    assert(decodeCommand(at).ok, `${unit}: 4096 bytes is accepted`);
    const r = decodeCommand(over);
    assert(!r.ok && r.error.reason === "oversized", `${unit}: 4097 bytes is oversized`);
  }
});

test("errorReasonFor maps decode failures to PROTOCOL §8 error reasons", () => {
  const rows: [DecodeReason, ErrorReason][] = [
    ["oversized", "payload_too_large"], ["malformed_json", "malformed_json"], ["not_object", "malformed_json"],
    ["unsupported_command", "unsupported_command"], ["missing_field", "invalid_value"], ["wrong_type", "invalid_value"],
    ["invalid_value", "invalid_value"], ["invalid_id", "invalid_value"], ["unexpected_type", "invalid_value"],
  ];
  for (const [reason, expected] of rows) equal(errorReasonFor({ reason, detail: "" }), expected, reason);
  const r = decodeCommand(`{"type":"toggle","value":1}`);
  assert(!r.ok);
  equal(errorReasonFor(r.error), "unsupported_command");
});

test("__proto__ keys are plain data: no pollution, no prototype reads", () => {
  const r = decodeCommand(`{"__proto__":{"type":"set","value":1,"polluted":true},"constructor":{"prototype":{"polluted":true}}}`);
  assert(!r.ok);
  equal(r.error.reason, "missing_field");
  const c = value(decodeCommand(`{"type":"set","value":{"__proto__":{"polluted":true}}}`));
  equal(({} as Record<string, unknown>).polluted, undefined);
  equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
  assert(typeof c.value === "object" && c.value !== null && Object.getPrototypeOf(c.value) === Object.prototype, "the value keeps the ordinary prototype");
});
