// Malformed input on the topics the gateway / discovery server reads from a device.
import {
  decodeActivationRequest, decodeAddDeviceOut, decodeHomePrefixRequest, decodeSetupResult, encodeAddDeviceRequest, encodeControllerRename,
  encodeGetBrokerData, encodeGetCredentials, encodeHomePrefixRequest, encodeSetupResult,
} from "../../src/core/messages";
import { commonRows, rejectTable, T, type Row } from "./message-fixtures";

const obj = (o: unknown): string => JSON.stringify(o);

// ---- <AC>/activation/out ----
{
  const valid = encodeGetCredentials(T);
  const req = (value: unknown, type: unknown = "mqtt_credentials"): string => obj({ timestamp: T, type, value });
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no value", obj({ timestamp: T, type: "mqtt_credentials" }), "missing_field"],
    ["value lower case", req("get_credentials"), "invalid_value"],
    ["value wifi request", req("GET_WIFI_CREDENTIALS"), "invalid_value"],
    ["value empty", req(""), "invalid_value"],
    ["value is an object (a reply)", req({ cert: "c", user: "u", password: "p" }), "wrong_type"],
    ["value is null", req(null), "wrong_type"],
    ["value is a number", req(1), "wrong_type"],
    ["value is an array", req(["GET_CREDENTIALS"]), "wrong_type"],
    ["type wifi_credentials", req("GET_CREDENTIALS", "wifi_credentials"), "unexpected_type"],
    ["type home_prefix", req("GET_CREDENTIALS", "home_prefix"), "unexpected_type"],
    ["type is a number", req("GET_CREDENTIALS", 1), "wrong_type"],
    ["type is null", req("GET_CREDENTIALS", null), "wrong_type"],
    ["under __proto__", `{"__proto__":{"value":"GET_CREDENTIALS"}}`, "missing_field"],
  ];
  rejectTable("activation/out", decodeActivationRequest, [valid, encodeGetBrokerData(T), obj({ value: "GET_BROKER_DATA" })], rows);
}

// ---- <DID>/home/out ----
{
  const good = { name: "switch", unit: "", type: "s" };
  const valid = encodeHomePrefixRequest(T, [{ name: "switch", unit: "", type: "s" }]);
  const msg = (value: unknown, type: unknown = "home_prefix"): string => obj({ timestamp: T, type, value });
  const one = (patch: Record<string, unknown>): string => msg([{ ...good, ...patch }]);
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["no type", obj({ timestamp: T, value: [good] }), "missing_field"],
    ["type rename_device", msg([good], "rename_device"), "unexpected_type"],
    ["type is a number", msg([good], 0), "wrong_type"],
    ["no value", obj({ timestamp: T, type: "home_prefix" }), "missing_field"],
    ["value is the reply", msg({ home_id: "h", gateway_id: "g" }), "wrong_type"],
    ["value is text", msg("switch"), "wrong_type"],
    ["entity is a number", msg([1]), "wrong_type"],
    ["entity is null", msg([null]), "wrong_type"],
    ["entity is an array", msg([["switch", "", "s"]]), "wrong_type"],
    ["name missing", one({ name: undefined }), "missing_field"],
    ["unit missing", one({ unit: undefined }), "missing_field"],
    ["type missing", one({ type: undefined }), "missing_field"],
    ["name empty", one({ name: "" }), "invalid_id"],
    ["name with slash", one({ name: "a/b" }), "invalid_id"],
    ["name plus", one({ name: "+" }), "invalid_id"],
    ["name hash", one({ name: "#" }), "invalid_id"],
    ["name of 65", one({ name: "n".repeat(65) }), "invalid_id"],
    ["name is a number", one({ name: 5 }), "wrong_type"],
    ["unit is a number", one({ unit: 5 }), "wrong_type"],
    ["unit of 33", one({ unit: "u".repeat(33) }), "invalid_value"],
    ["unit with newline", one({ unit: "W\n" }), "invalid_value"],
    ["type code unknown", one({ type: "x" }), "invalid_value"],
    ["type long form", one({ type: "float" }), "invalid_value"],
    ["type code upper case", one({ type: "RGB" }), "invalid_value"],
    ["duplicate names", msg([good, { ...good, type: "b" }]), "invalid_value"],
    ["65 entities", msg(Array.from({ length: 65 }, (_, i) => ({ name: `e${i}`, unit: "", type: "i" }))), "invalid_value"],
    ["entity fields under __proto__", `{"type":"home_prefix","value":[{"__proto__":${obj(good)}}]}`, "missing_field"],
  ];
  rejectTable("home/out", decodeHomePrefixRequest, [valid, msg([]), one({ unit: "°C", type: "rgb" })], rows);
}

// ---- <H>/<G>/add_device/out and /in (controller ↔ gateway; fewer rows, same machinery) ----
{
  const valid = encodeAddDeviceRequest(T, { activationCode: "AC123456", deviceId: "dev-1", deviceType: "socket" });
  const add = (patch: Record<string, unknown>): string => obj({ timestamp: T, value: { activation_code: "AC123456", device_id: "dev-1", device_type: "socket", ...patch } });
  const ren = (patch: Record<string, unknown>): string => obj({ timestamp: T, value: { device_id: "dev-1", device_name: "Lamp", group_id: [], ...patch } });
  const rows: Row[] = [
    ...commonRows(valid),
    ["empty object", "{}", "missing_field"],
    ["value is text", obj({ timestamp: T, value: "add" }), "wrong_type"],
    ["activation code short", add({ activation_code: "AC12345" }), "invalid_value"],
    ["activation code with slash", add({ activation_code: "AC12/3456" }), "invalid_id"],
    ["activation code is a number", add({ activation_code: 12345678 }), "wrong_type"],
    ["device_id wildcard", add({ device_id: "dev+" }), "invalid_id"],
    ["device_type missing", add({ device_type: undefined }), "missing_field"],
    ["rename without name", ren({ device_name: undefined }), "missing_field"],
    ["rename name empty", ren({ device_name: "" }), "invalid_value"],
    ["rename group not an id", ren({ group_id: ["a b"] }), "invalid_id"],
  ];
  rejectTable("add_device/out", decodeAddDeviceOut, [valid, encodeControllerRename(T, "dev-1", "Lamp", ["g1"])], rows);
  const setup = encodeSetupResult(T, "dev-1", "success");
  const res = (patch: Record<string, unknown>): string => obj({ timestamp: T, value: { device_id: "dev-1", setup_result: "success", ...patch } });
  rejectTable("add_device/in", decodeSetupResult, [setup], [
    ...commonRows(setup),
    ["no setup_result", res({ setup_result: undefined }), "missing_field"],
    ["setup_result empty", res({ setup_result: "" }), "invalid_value"],
    ["setup_result is true", res({ setup_result: true }), "wrong_type"],
    ["device_id with slash", res({ device_id: "a/b" }), "invalid_id"],
  ]);
}
