// The device side of PROTOCOL.md: what the device publishes (encoders, keys in the order
// the protocol shows) and what it receives (decoders: size, JSON, then every field).

import { parseBrokerAddress } from "./broker-address";
import type { Command, EntityDescriptor, EntityValue, ErrorReason } from "./entity-types";
import { field, has, isObject, parseJson, parseObject, readChecked, readId, readIdList, readKind, readObject, readString, reject, timestampOf, type Decoded } from "./json";
import { descriptorsJson, isCommandType, isCredential, isDisplayName, isSsid, isWifiPassword, MAX_GROUPS, valueJson } from "./message-fields";
import type { AboutInfo, BrokerData, BrokerError, DeviceStatus, HomeMessage, MqttCredentials, WifiCredentials } from "./message-types";
import { isPemCertificate } from "./pem";
import { emitTimestamp } from "./timestamp";

// ---- device → broker ----

export function encodeGetCredentials(t: number | undefined): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), type: "mqtt_credentials", value: "GET_CREDENTIALS" });
}

export function encodeGetWifiCredentials(t: number | undefined): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), type: "wifi_credentials", value: "GET_WIFI_CREDENTIALS" });
}

export function encodeGetBrokerData(t: number | undefined): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), type: "broker_data", value: "GET_BROKER_DATA" });
}

export function encodeHomePrefixRequest(t: number | undefined, entities: readonly EntityDescriptor[]): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), type: "home_prefix", value: descriptorsJson(entities) });
}

/** `command_response` carrying the state actually applied. */
export function encodeConfirmation(t: number | undefined, applied: EntityValue): string {
  return JSON.stringify({ type: "command_response", priority_level: 2, timestamp: emitTimestamp(t), value: valueJson(applied) });
}

export function encodeReport(t: number | undefined, value: EntityValue, unit: string): string {
  return JSON.stringify({ type: "periodic_report", priority_level: 3, timestamp: emitTimestamp(t), report: { value: valueJson(value), unit } });
}

export function encodeError(t: number | undefined, reason: ErrorReason): string {
  return JSON.stringify({ type: "error", priority_level: 1, timestamp: emitTimestamp(t), value: { event: "error", reason } });
}

export function encodeStatus(t: number | undefined, status: DeviceStatus): string {
  return JSON.stringify({ type: "status", priority_level: 3, timestamp: emitTimestamp(t), value: status });
}

/** The Last Will (§7): offline, priority 1, timestamp 0 (it is sent later by the broker). */
export function encodeWill(): string {
  return JSON.stringify({ type: "status", priority_level: 1, timestamp: 0, value: "offline" });
}

export function encodeAbout(t: number | undefined, info: AboutInfo): string {
  return JSON.stringify({
    type: "command_response", priority_level: 2, timestamp: emitTimestamp(t),
    value: {
      device_id: info.deviceId, device_type: info.deviceType, device_name: info.deviceName, groups: info.groups,
      fw_version: info.fwVersion, entities: descriptorsJson(info.entities), status: "online",
    },
  });
}

export function encodeRemoveConfirmation(t: number | undefined): string {
  return JSON.stringify({ type: "command_response", priority_level: 2, timestamp: emitTimestamp(t), value: "true" });
}

// ---- broker → device ----

export function decodeMqttCredentials(text: string): Decoded<MqttCredentials> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const kind = readKind(o.value, "mqtt_credentials");
  if (!kind.ok) return kind;
  const v = readObject(o.value, "value");
  if (!v.ok) return v;
  const cert = readChecked(v.value, "cert", isPemCertificate, "value.cert");
  if (!cert.ok) return cert;
  const user = readChecked(v.value, "user", isCredential, "value.user");
  if (!user.ok) return user;
  const password = readChecked(v.value, "password", isCredential, "value.password");
  if (!password.ok) return password;
  return { ok: true, value: { cert: cert.value, user: user.value, password: password.value } };
}

export function decodeWifiCredentials(text: string): Decoded<WifiCredentials> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const kind = readKind(o.value, "wifi_credentials");
  if (!kind.ok) return kind;
  const v = readObject(o.value, "value");
  if (!v.ok) return v;
  const ssid = readChecked(v.value, "SSID", isSsid, "value.SSID");
  if (!ssid.ok) return ssid;
  const password = readChecked(v.value, "password", isWifiPassword, "value.password");
  if (!password.ok) return password;
  return { ok: true, value: { ssid: ssid.value, password: password.value } };
}

const BROKER_ERRORS: readonly string[] = Object.freeze(["activation_expired", "unknown_activation_code"] satisfies BrokerError[]);

/** The discovery server's reply (§6); `cert` is accepted as a synonym of `device_certificate`. */
export function decodeBrokerData(text: string): Decoded<BrokerData> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const kind = readKind(o.value, "broker_data");
  if (!kind.ok) return kind;
  const v = readObject(o.value, "value");
  if (!v.ok) return v;
  if (has(v.value, "error")) {
    const error = readString(v.value, "error", "value.error");
    if (!error.ok) return error;
    if (!BROKER_ERRORS.includes(error.value)) return reject("invalid_value", "value.error is not a known error");
    return { ok: true, value: { kind: "error", error: error.value as BrokerError } };
  }
  const ip = field(v.value, "broker_ip");
  if (ip === undefined) return reject("missing_field", "value.broker_ip");
  const broker = parseBrokerAddress(ip);
  if (!broker.ok) return broker;
  const certKey = has(v.value, "device_certificate") || !has(v.value, "cert") ? "device_certificate" : "cert";
  const cert = readChecked(v.value, certKey, isPemCertificate, `value.${certKey}`);
  if (!cert.ok) return cert;
  const user = readChecked(v.value, "user", isCredential, "value.user");
  if (!user.ok) return user;
  const password = readChecked(v.value, "password", isCredential, "value.password");
  if (!password.ok) return password;
  return { ok: true, value: { kind: "credentials", broker: broker.value, cert: cert.value, user: user.value, password: password.value } };
}

/** `<DID>/home/in`: the home prefix reply or a rename relayed by the gateway (§7). */
export function decodeHomeIn(text: string): Decoded<HomeMessage> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const type = readString(o.value, "type");
  if (!type.ok) return type;
  if (type.value !== "home_prefix" && type.value !== "rename_device") return reject("unexpected_type", "type is not home_prefix or rename_device");
  const v = readObject(o.value, "value");
  if (!v.ok) return v;
  if (type.value === "home_prefix") {
    const home = readId(v.value, "home_id", "value.home_id");
    if (!home.ok) return home;
    const gateway = readId(v.value, "gateway_id", "value.gateway_id");
    if (!gateway.ok) return gateway;
    return { ok: true, value: { kind: "home_prefix", home: home.value, gateway: gateway.value } };
  }
  const deviceId = readId(v.value, "device_id", "value.device_id");
  if (!deviceId.ok) return deviceId;
  const name = readChecked(v.value, "device_name", isDisplayName, "value.device_name");
  if (!name.ok) return name;
  const groups = readIdList(v.value, "group_id", MAX_GROUPS, "value.group_id");
  if (!groups.ok) return groups;
  return { ok: true, value: { kind: "rename", deviceId: deviceId.value, name: name.value, groups: groups.value } };
}

/** A command on `<H>/<G>/<DID>/<entity>/in`; the value is checked later against the entity. */
export function decodeCommand(text: string): Decoded<Command> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const type = readString(o.value, "type");
  if (!type.ok) return type;
  if (!isCommandType(type.value)) return reject("unsupported_command", "unknown command type");
  // A query names its quantity at most: its value may be absent (the entity model accepts that).
  if (type.value !== "query" && !has(o.value, "value")) return reject("missing_field", "value");
  return { ok: true, value: { type: type.value, value: field(o.value, "value"), timestamp: timestampOf(o.value) } };
}

/** `remove/in` (§8): exactly type "control" with value "true" or true; any other object is invalid_value. */
export function decodeRemove(text: string): Decoded<true> {
  const j = parseJson(text);
  if (!j.ok) return j;
  if (!isObject(j.value)) return reject("invalid_value", "remove is not an object");
  if (field(j.value, "type") !== "control") return reject("invalid_value", "remove type is not control");
  const value = field(j.value, "value");
  if (value !== "true" && value !== true) return reject("invalid_value", "remove value is not true");
  return { ok: true, value: true };
}

/** `about/in`: a `query` (its value, if any, is ignored). */
export function decodeAboutQuery(text: string): Decoded<true> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const type = readString(o.value, "type");
  if (!type.ok) return type;
  return type.value === "query" ? { ok: true, value: true } : reject("unsupported_command", "about only answers query");
}
