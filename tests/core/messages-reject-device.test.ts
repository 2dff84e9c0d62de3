// Malformed input on every topic a device reads: each row must be rejected with its reason.
import {
  decodeAboutQuery, decodeBrokerData, decodeCommand, decodeHomeIn, decodeMqttCredentials, decodeRemove, decodeWifiCredentials,
  encodeAboutQuery, encodeBrokerData, encodeBrokerError, encodeCommand, encodeHomePrefix, encodeMqttCredentials, encodeRemove, encodeRename,
  encodeWifiCredentials, type DecodeReason,
} from "../../src/core/messages";
import { commonRows, PEM, rejectTable, T, type Row } from "./message-fixtures";

const obj = (o: unknown): string => JSON.stringify(o);
const chain = `${PEM}${PEM}`;
const longPem = `-----BEGIN CERTIFICATE-----\nMIIB${"A".repeat(3500)}\n-----END CERTIFICATE-----\n`;

// ---- <AC>/activation/in, local: mqtt_credentials ----
{
  const good = { cert: PEM, user: "u-1", password: "secret" };
  const valid = encodeMqttCredentials(T, good);
  const msg = (value: unknown, type: unknown = "mqtt_credentials"): string => obj({ timestamp: T, type, value });
  const val = (patch: Record<string, unknown>): string => msg({ ...good, ...patch });
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no type", obj({ timestamp: T, value: good }), "missing_field"],
    ["type is a number", msg(good, 5), "wrong_type"],
    ["type is null", msg(good, null), "wrong_type"],
    ["type broker_data", msg(good, "broker_data"), "unexpected_type"],
    ["type wifi_credentials", msg(good, "wifi_credentials"), "unexpected_type"],
    ["type in capitals", msg(good, "MQTT_CREDENTIALS"), "unexpected_type"],
    ["no value", obj({ timestamp: T, type: "mqtt_credentials" }), "missing_field"],
    ["own request echoed", msg("GET_CREDENTIALS"), "wrong_type"],
    ["value is an array", msg([good]), "wrong_type"],
    ["value is null", msg(null), "wrong_type"],
    ["value is empty", msg({}), "missing_field"],
    ["cert missing", msg({ user: "u", password: "p" }), "missing_field"],
    ["cert is a number", val({ cert: 5 }), "wrong_type"],
    ["cert is empty", val({ cert: "" }), "invalid_value"],
    ["cert is text", val({ cert: "not a certificate" }), "invalid_value"],
    ["cert without END", val({ cert: PEM.replace("-----END CERTIFICATE-----", "") }), "invalid_value"],
    ["cert is a private key", val({ cert: PEM.replace(/CERTIFICATE/g, "PRIVATE KEY") }), "invalid_value"],
    ["cert with a bad base64 character", val({ cert: PEM.replace("MII", "MI!") }), "invalid_value"],
    ["cert chain of two", val({ cert: chain }), "invalid_value"],
    ["cert over 3500 chars", val({ cert: longPem }), "invalid_value"],
    ["cert body not a multiple of 4", val({ cert: PEM.replace("MIIB", "MIIBx") }), "invalid_value"],
    ["user missing", msg({ cert: PEM, password: "p" }), "missing_field"],
    ["user empty", val({ user: "" }), "invalid_value"],
    ["user over 256", val({ user: "u".repeat(257) }), "invalid_value"],
    ["user with NUL", val({ user: "u\u0000" }), "invalid_value"],
    ["user with newline", val({ user: "u\nv" }), "invalid_value"],
    ["user is a number", val({ user: 7 }), "wrong_type"],
    ["password missing", msg({ cert: PEM, user: "u" }), "missing_field"],
    ["password empty", val({ password: "" }), "invalid_value"],
    ["password is null", val({ password: null }), "wrong_type"],
    ["password is an object", val({ password: { p: 1 } }), "wrong_type"],
    ["password with lone surrogate", val({ password: "p\ud800" }), "invalid_value"],
    ["fields under __proto__", `{"timestamp":1,"type":"mqtt_credentials","value":{"__proto__":${obj(good)}}}`, "missing_field"],
    ["top level under __proto__", `{"__proto__":${msg(good)}}`, "missing_field"],
  ];
  rejectTable("activation/in (mqtt_credentials)", decodeMqttCredentials, [valid, msg(good, "mqtt_credentials").replace(`"timestamp":${T}`, `"timestamp":"junk"`)], rows);
}

// ---- <AC>/activation/in, cloud: broker_data ----
{
  const good = { broker_ip: "broker.example.com:8883", device_certificate: PEM, user: "u", password: "p" };
  const valid = encodeBrokerData(T, { broker: good.broker_ip, cert: PEM, user: "u", password: "p" });
  const msg = (value: unknown, type: unknown = "broker_data"): string => obj({ type, timestamp: T, value });
  const val = (patch: Record<string, unknown>): string => msg({ ...good, ...patch });
  const badIps: [string, unknown][] = [
    ["empty", ""], ["space inside", "bro ker"], ["slash", "a/b"], ["scheme", "mqtts://broker"], ["port 0", "broker:0"], ["port 65536", "broker:65536"],
    ["negative port", "broker:-1"], ["empty port", "broker:"], ["port with letters", "broker:88a"], ["no host", ":8883"], ["two colons", "broker:1:2"],
    ["unclosed bracket", "[::1:8883"], ["junk after bracket", "[::1]8883"], ["bad IPv6", "[zz::1]:8883"], ["IPv4 octet 256", "1.2.3.256"],
    ["three octets", "1.2.3"], ["leading hyphen", "-broker"], ["empty label", "a..b"], ["label over 63", `${"a".repeat(64)}.com`],
    ["wildcard", "broker#"], ["NUL", "broker\u0000"],
  ];
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no type (request echoed)", obj({ timestamp: T, value: "GET_BROKER_DATA" }), "missing_field"],
    ["type mqtt_credentials", msg(good, "mqtt_credentials"), "unexpected_type"],
    ["type is an array", msg(good, ["broker_data"]), "wrong_type"],
    ["no value", obj({ type: "broker_data", timestamp: T }), "missing_field"],
    ["value is the request", msg("GET_BROKER_DATA"), "wrong_type"],
    ["value is an array", msg([good]), "wrong_type"],
    ["broker_ip missing", msg({ device_certificate: PEM, user: "u", password: "p" }), "missing_field"],
    ["broker_ip is a number", val({ broker_ip: 1234 }), "wrong_type"],
    ["broker_ip is an object", val({ broker_ip: { host: "h", port: 1 } }), "wrong_type"],
    ...badIps.map(([label, ip]): Row => [`broker_ip ${label}`, val({ broker_ip: ip }), "invalid_value"]),
    ["no certificate", msg({ broker_ip: "b", user: "u", password: "p" }), "missing_field"],
    ["device_certificate not PEM", val({ device_certificate: "MIIB" }), "invalid_value"],
    ["cert synonym not PEM", msg({ broker_ip: "b", cert: "junk", user: "u", password: "p" }), "invalid_value"],
    ["bad device_certificate wins over good cert", val({ device_certificate: "junk", cert: PEM }), "invalid_value"],
    ["device_certificate is a number", val({ device_certificate: 1 }), "wrong_type"],
    ["user missing", msg({ broker_ip: "b", device_certificate: PEM, password: "p" }), "missing_field"],
    ["password empty", val({ password: "" }), "invalid_value"],
    ["unknown error", msg({ error: "nope" }), "invalid_value"],
    ["error is a number", msg({ error: 3 }), "wrong_type"],
    ["error is null", msg({ error: null }), "wrong_type"],
    ["error next to credentials", val({ error: "timeout" }), "invalid_value"],
  ];
  const valids = [valid, encodeBrokerError(T, "activation_expired"), msg({ ...good, device_certificate: undefined, cert: PEM })];
  rejectTable("activation/in (broker_data)", decodeBrokerData, valids, rows);
}

// ---- <AC>/wifi/in ----
{
  const good = { SSID: "HomeNet", password: "correct horse" };
  const valid = encodeWifiCredentials(T, { ssid: good.SSID, password: good.password });
  const msg = (value: unknown, type: unknown = "wifi_credentials"): string => obj({ timestamp: T, type, value });
  const val = (patch: Record<string, unknown>): string => msg({ ...good, ...patch });
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no type", obj({ timestamp: T, value: good }), "missing_field"],
    ["type mqtt_credentials", msg(good, "mqtt_credentials"), "unexpected_type"],
    ["type is true", msg(good, true), "wrong_type"],
    ["no value", obj({ timestamp: T, type: "wifi_credentials" }), "missing_field"],
    ["own request echoed", msg("GET_WIFI_CREDENTIALS"), "wrong_type"],
    ["value is null", msg(null), "wrong_type"],
    ["SSID missing", msg({ password: "correct horse" }), "missing_field"],
    ["ssid in lower case only", msg({ ssid: "HomeNet", password: "correct horse" }), "missing_field"],
    ["SSID empty", val({ SSID: "" }), "invalid_value"],
    ["SSID of 33 chars", val({ SSID: "s".repeat(33) }), "invalid_value"],
    ["SSID of 17 chars but 34 bytes", val({ SSID: "é".repeat(17) }), "invalid_value"],
    ["SSID with NUL", val({ SSID: "Home\u0000Net" }), "invalid_value"],
    ["SSID is a number", val({ SSID: 42 }), "wrong_type"],
    ["SSID is an array", val({ SSID: ["HomeNet"] }), "wrong_type"],
    ["password missing", msg({ SSID: "HomeNet" }), "missing_field"],
    ["password of 7", val({ password: "1234567" }), "invalid_value"],
    ["password of 64", val({ password: "p".repeat(64) }), "invalid_value"],
    ["password empty", val({ password: "" }), "invalid_value"],
    ["password not ASCII", val({ password: "pässwörter" }), "invalid_value"],
    ["password with newline", val({ password: "password\n" }), "invalid_value"],
    ["password is a number", val({ password: 12345678 }), "wrong_type"],
    ["fields under __proto__", `{"timestamp":1,"type":"wifi_credentials","value":{"__proto__":${obj(good)}}}`, "missing_field"],
  ];
  rejectTable("wifi/in", decodeWifiCredentials, [valid, val({ SSID: "é".repeat(16), password: "p".repeat(63) })], rows);
}

// ---- <DID>/home/in ----
{
  const valid = encodeHomePrefix(T, "home-1", "gw-1");
  const rename = encodeRename(T, "dev-1", "Lamp", ["g1"]);
  const msg = (value: unknown, type: unknown = "home_prefix"): string => obj({ timestamp: T, type, value });
  const home = (h: unknown, g: unknown = "gw-1"): string => msg({ home_id: h, gateway_id: g });
  const ren = (patch: Record<string, unknown>): string => msg({ device_id: "dev-1", device_name: "Lamp", group_id: ["g1"], ...patch }, "rename_device");
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no type", obj({ timestamp: T, value: { home_id: "h", gateway_id: "g" } }), "missing_field"],
    ["type is a number", msg({ home_id: "h", gateway_id: "g" }, 1), "wrong_type"],
    ["type home", msg({ home_id: "h", gateway_id: "g" }, "home"), "unexpected_type"],
    ["type rename", msg({ home_id: "h", gateway_id: "g" }, "rename"), "unexpected_type"],
    ["own request echoed", msg([{ name: "switch", unit: "", type: "s" }]), "wrong_type"],
    ["no value", obj({ timestamp: T, type: "home_prefix" }), "missing_field"],
    ["value is text", msg("home-1/gw-1"), "wrong_type"],
    ["home_id missing", msg({ gateway_id: "g" }), "missing_field"],
    ["home_id empty", home(""), "invalid_id"],
    ["home_id with slash", home("a/b"), "invalid_id"],
    ["home_id plus", home("+"), "invalid_id"],
    ["home_id hash", home("#"), "invalid_id"],
    ["home_id with space", home("my home"), "invalid_id"],
    ["home_id with NUL", home("h\u0000"), "invalid_id"],
    ["home_id of 65", home("h".repeat(65)), "invalid_id"],
    ["home_id not ASCII", home("zuhausé"), "invalid_id"],
    ["home_id is a number", home(123), "wrong_type"],
    ["home_id is null", home(null), "wrong_type"],
    ["gateway_id missing", msg({ home_id: "h" }), "missing_field"],
    ["gateway_id with slash", home("h", "g/x"), "invalid_id"],
    ["gateway_id wildcard", home("h", "g+"), "invalid_id"],
    ["rename device_id plus", ren({ device_id: "a+b" }), "invalid_id"],
    ["rename device_id missing", ren({ device_id: undefined }), "missing_field"],
    ["rename name empty", ren({ device_name: "" }), "invalid_value"],
    ["rename name of 65", ren({ device_name: "n".repeat(65) }), "invalid_value"],
    ["rename name with control char", ren({ device_name: "bell\u0007" }), "invalid_value"],
    ["rename name with lone surrogate", ren({ device_name: "x\ud800" }), "invalid_value"],
    ["rename name is a number", ren({ device_name: 5 }), "wrong_type"],
    ["rename group_id a string", ren({ group_id: "g1" }), "wrong_type"],
    ["rename group_id holds a number", ren({ group_id: [1] }), "wrong_type"],
    ["rename group_id with slash", ren({ group_id: ["g1", "a/b"] }), "invalid_id"],
    ["rename group_id of 17", ren({ group_id: Array.from({ length: 17 }, (_, i) => `g${i}`) }), "invalid_value"],
    ["rename group_id missing", ren({ group_id: undefined }), "missing_field"],
    ["prefix under __proto__", `{"timestamp":1,"type":"home_prefix","value":{"__proto__":{"home_id":"h","gateway_id":"g"}}}`, "missing_field"],
  ];
  rejectTable("home/in", decodeHomeIn, [valid, rename, ren({ device_name: "Wohnzimmer 💡 #1 / links", group_id: [] })], rows);
}

// ---- <H>/<G>/<DID>/<entity>/in ----
{
  const valid = encodeCommand(T, "set", "on");
  const cmd = (type: unknown, value: unknown = "on"): string => obj({ type, timestamp: T, value });
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no type", obj({ timestamp: T, value: "on" }), "missing_field"],
    ["type is a number", cmd(1), "wrong_type"],
    ["type is null", cmd(null), "wrong_type"],
    ["type is an array", cmd(["set"]), "wrong_type"],
    ["type is an object", cmd({ set: true }), "wrong_type"],
    ["type toggle", cmd("toggle"), "unsupported_command"],
    ["type SET", cmd("SET"), "unsupported_command"],
    ["type empty", cmd(""), "unsupported_command"],
    ["type with trailing space", cmd("set "), "unsupported_command"],
    ["type command_response (an echo)", cmd("command_response"), "unsupported_command"],
    ["type __proto__", cmd("__proto__"), "unsupported_command"],
    ["type constructor", cmd("constructor"), "unsupported_command"],
    ["type toString", cmd("toString"), "unsupported_command"],
    ["no value", obj({ type: "set", timestamp: T }), "missing_field"],
    ["value under __proto__", `{"type":"set","__proto__":{"value":"on"}}`, "missing_field"],
    ["everything under __proto__", `{"__proto__":{"type":"set","value":"on"}}`, "missing_field"],
    ["Value with a capital", `{"type":"set","Value":"on"}`, "missing_field"],
  ];
  const valids = [valid, cmd("query", null), cmd("brightness", 50), cmd("color", { r: 1, g: 2, b: 3 }), `{"type":"control","value":[1,{"x":[]}],"timestamp":"x"}`];
  rejectTable("entity command /in", decodeCommand, valids, rows);
}

// ---- <H>/<G>/<DID>/remove/in ----
{
  const valid = encodeRemove(T);
  const rm = (type: unknown, value: unknown): string => obj({ type, timestamp: T, value });
  const iv: DecodeReason = "invalid_value";
  const shaped = commonRows(valid).map(([label, text, reason]): Row => [label, text, reason === "not_object" ? iv : reason]);
  const rows: Row[] = [
    ...shaped,
    ["empty object", "{}", iv],
    ["no type", obj({ timestamp: T, value: "true" }), iv],
    ["type Control", rm("Control", "true"), iv],
    ["type set", rm("set", "true"), iv],
    ["type is true", rm(true, "true"), iv],
    ["type is null", rm(null, "true"), iv],
    ["no value", obj({ type: "control", timestamp: T }), iv],
    ["value false", rm("control", false), iv],
    ["value \"false\"", rm("control", "false"), iv],
    ["value TRUE", rm("control", "TRUE"), iv],
    ["value True", rm("control", "True"), iv],
    ["value \"true \"", rm("control", "true "), iv],
    ["value \"1\"", rm("control", "1"), iv],
    ["value 1", rm("control", 1), iv],
    ["value null", rm("control", null), iv],
    ["value an object", rm("control", { value: true }), iv],
    ["value an array", rm("control", ["true"]), iv],
    ["value \"yes\"", rm("control", "yes"), iv],
    ["under __proto__", `{"__proto__":{"type":"control","value":"true"}}`, iv],
  ];
  rejectTable("remove/in", decodeRemove, [valid, rm("control", true), `{"type":"control","value":"true","timestamp":"garbage"}`], rows);
}

// ---- <H>/<G>/<DID>/about/in ----
{
  const valid = encodeAboutQuery(T);
  const q = (type: unknown): string => obj({ priority_level: 2, timestamp: T, type });
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no type", obj({ priority_level: 2, timestamp: T }), "missing_field"],
    ["query as value only", obj({ timestamp: T, value: "query" }), "missing_field"],
    ["type is a number", q(5), "wrong_type"],
    ["type is null", q(null), "wrong_type"],
    ["type is an array", q(["query"]), "wrong_type"],
    ["type is an object", q({}), "wrong_type"],
    ["type set", q("set"), "unsupported_command"],
    ["type control", q("control"), "unsupported_command"],
    ["type Query", q("Query"), "unsupported_command"],
    ["type empty", q(""), "unsupported_command"],
    ["type command_response (an echo)", q("command_response"), "unsupported_command"],
    ["under __proto__", `{"__proto__":{"type":"query"}}`, "missing_field"],
  ];
  rejectTable("about/in", decodeAboutQuery, [valid, obj({ type: "query" })], rows);
}
