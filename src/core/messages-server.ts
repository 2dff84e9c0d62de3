// The broker/gateway side of PROTOCOL.md, for the development stack and the tests: what a
// gateway or discovery server sends to a device, and decoders for what a device publishes.

import { formatBrokerAddress, type BrokerAddress } from "./broker-address";
import type { CommandType, EntityDescriptor, ErrorReason } from "./entity-types";
import { field, has, isCleanText, parseObject, readChecked, readId, readIdList, readKind, readObject, readPriority, readString, reject, timestampOf, type Decoded, type JsonObject } from "./json";
import { isDisplayName, MAX_GROUPS, MAX_NAME_CHARS, readDescriptors, readEntityValue } from "./message-fields";
import type {
  AboutReport, ActivationRequest, BrokerError, Confirmation, DeviceStatus, ErrorReport, MqttCredentials, Report, Stamped, StatusReport, WifiCredentials,
} from "./message-types";
import { emitTimestamp } from "./timestamp";

// ---- to the device ----

export function encodeMqttCredentials(t: number | undefined, c: MqttCredentials): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), type: "mqtt_credentials", value: { cert: c.cert, user: c.user, password: c.password } });
}

export function encodeWifiCredentials(t: number | undefined, w: WifiCredentials): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), type: "wifi_credentials", value: { SSID: w.ssid, password: w.password } });
}

/** `broker` as an address, or as the literal `broker_ip` text (lets tests send any form). */
export interface BrokerDataReply { broker: BrokerAddress | string; cert: string; user: string; password: string }

export function encodeBrokerData(t: number | undefined, d: BrokerDataReply): string {
  const brokerIp = typeof d.broker === "string" ? d.broker : formatBrokerAddress(d.broker);
  return JSON.stringify({
    type: "broker_data", timestamp: emitTimestamp(t),
    value: { broker_ip: brokerIp, device_certificate: d.cert, user: d.user, password: d.password },
  });
}

export function encodeBrokerError(t: number | undefined, error: BrokerError): string {
  return JSON.stringify({ type: "broker_data", timestamp: emitTimestamp(t), value: { error } });
}

export function encodeHomePrefix(t: number | undefined, home: string, gateway: string): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), type: "home_prefix", value: { home_id: home, gateway_id: gateway } });
}

export function encodeRename(t: number | undefined, deviceId: string, name: string, groups: readonly string[]): string {
  return JSON.stringify({
    timestamp: emitTimestamp(t), type: "rename_device",
    value: { device_id: deviceId, device_name: name, group_id: groups },
  });
}

export function encodeCommand(t: number | undefined, type: CommandType, value: unknown): string {
  return JSON.stringify({ type, timestamp: emitTimestamp(t), value });
}

export function encodeRemove(t: number | undefined): string {
  return JSON.stringify({ type: "control", timestamp: emitTimestamp(t), value: "true" });
}

/** The standard's `about` query shape (spec digest §2.5). */
export function encodeAboutQuery(t: number | undefined): string {
  return JSON.stringify({ priority_level: 2, timestamp: emitTimestamp(t), type: "query" });
}

// ---- from the device ----

/**
 * `<AC>/activation/out`: matched on `value`; `type` may be the local `mqtt_credentials`, the
 * cloud `broker_data`, or absent (the newest spec's cloud request has none).
 */
export function decodeActivationRequest(text: string): Decoded<ActivationRequest> {
  const o = parseObject(text);
  if (!o.ok) return o;
  if (has(o.value, "type")) {
    const type = readString(o.value, "type");
    if (!type.ok) return type;
    if (type.value !== "mqtt_credentials" && type.value !== "broker_data") return reject("unexpected_type", "type is not mqtt_credentials or broker_data");
  }
  const value = readString(o.value, "value");
  if (!value.ok) return value;
  if (value.value !== "GET_CREDENTIALS" && value.value !== "GET_BROKER_DATA") return reject("invalid_value", "value is not a known request");
  return { ok: true, value: value.value };
}

export function decodeWifiRequest(text: string): Decoded<true> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const kind = readKind(o.value, "wifi_credentials");
  if (!kind.ok) return kind;
  const value = readString(o.value, "value");
  if (!value.ok) return value;
  return value.value === "GET_WIFI_CREDENTIALS" ? { ok: true, value: true } : reject("invalid_value", "value is not GET_WIFI_CREDENTIALS");
}

/** `<DID>/home/out`: the device's entity list. */
export function decodeHomePrefixRequest(text: string): Decoded<EntityDescriptor[]> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const kind = readKind(o.value, "home_prefix");
  if (!kind.ok) return kind;
  return readDescriptors(o.value, "value");
}

/** The common head of everything a device publishes on an entity's `/out`. */
function deviceMessage(text: string, type: string, ...priorities: number[]): Decoded<{ obj: JsonObject; priority: number }> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const kind = readKind(o.value, type);
  if (!kind.ok) return kind;
  const priority = readPriority(o.value, ...priorities);
  if (!priority.ok) return priority;
  return { ok: true, value: { obj: o.value, priority: priority.value } };
}

export function decodeConfirmation(text: string): Decoded<Stamped<Confirmation>> {
  const m = deviceMessage(text, "command_response", 2);
  if (!m.ok) return m;
  const value = readEntityValue(field(m.value.obj, "value"), "value");
  if (!value.ok) return value;
  return { ok: true, value: { value: value.value, timestamp: timestampOf(m.value.obj) } };
}

export function decodeReport(text: string): Decoded<Stamped<Report>> {
  const m = deviceMessage(text, "periodic_report", 3);
  if (!m.ok) return m;
  const report = readObject(m.value.obj, "report");
  if (!report.ok) return report;
  const value = readEntityValue(field(report.value, "value"), "report.value");
  if (!value.ok) return value;
  const unit = readString(report.value, "unit", "report.unit");
  if (!unit.ok) return unit;
  return { ok: true, value: { value: value.value, unit: unit.value, timestamp: timestampOf(m.value.obj) } };
}

const ERROR_REASONS: readonly string[] = Object.freeze(["malformed_json", "invalid_value", "unsupported_command", "payload_too_large", "busy", "hardware_fault"] satisfies ErrorReason[]);

export function decodeError(text: string): Decoded<Stamped<ErrorReport>> {
  const m = deviceMessage(text, "error", 1);
  if (!m.ok) return m;
  const v = readObject(m.value.obj, "value");
  if (!v.ok) return v;
  const event = readString(v.value, "event", "value.event");
  if (!event.ok) return event;
  if (event.value !== "error") return reject("invalid_value", "value.event is not error");
  const reason = readString(v.value, "reason", "value.reason");
  if (!reason.ok) return reason;
  if (!ERROR_REASONS.includes(reason.value)) return reject("invalid_value", "value.reason is not a known reason");
  return { ok: true, value: { reason: reason.value as ErrorReason, timestamp: timestampOf(m.value.obj) } };
}

function readStatus(obj: JsonObject, key: string, path: string): Decoded<DeviceStatus> {
  const s = readString(obj, key, path);
  if (!s.ok) return s;
  return s.value === "online" || s.value === "offline" ? { ok: true, value: s.value } : reject("invalid_value", `${path} is not online or offline`);
}

/** `status/out`: priority 3 when published, 1 for the Last Will. */
export function decodeStatus(text: string): Decoded<Stamped<StatusReport>> {
  const m = deviceMessage(text, "status", 1, 3);
  if (!m.ok) return m;
  const status = readStatus(m.value.obj, "value", "value");
  if (!status.ok) return status;
  return { ok: true, value: { status: status.value, priority: m.value.priority, timestamp: timestampOf(m.value.obj) } };
}

export function decodeAbout(text: string): Decoded<Stamped<AboutReport>> {
  const m = deviceMessage(text, "command_response", 2);
  if (!m.ok) return m;
  const v = readObject(m.value.obj, "value");
  if (!v.ok) return v;
  const deviceId = readId(v.value, "device_id", "value.device_id");
  if (!deviceId.ok) return deviceId;
  const deviceType = readId(v.value, "device_type", "value.device_type");
  if (!deviceType.ok) return deviceType;
  // A device that was never renamed reports an empty name.
  const deviceName = readChecked(v.value, "device_name", (s) => isCleanText(s, 0, MAX_NAME_CHARS), "value.device_name");
  if (!deviceName.ok) return deviceName;
  const groups = readIdList(v.value, "groups", MAX_GROUPS, "value.groups");
  if (!groups.ok) return groups;
  const fwVersion = readChecked(v.value, "fw_version", isDisplayName, "value.fw_version");
  if (!fwVersion.ok) return fwVersion;
  const entities = readDescriptors(v.value, "entities", "value.entities");
  if (!entities.ok) return entities;
  const status = readStatus(v.value, "status", "value.status");
  if (!status.ok) return status;
  return {
    ok: true,
    value: {
      deviceId: deviceId.value, deviceType: deviceType.value, deviceName: deviceName.value, groups: groups.value,
      fwVersion: fwVersion.value, entities: entities.value, status: status.value, timestamp: timestampOf(m.value.obj),
    },
  };
}

export function decodeRemoveConfirmation(text: string): Decoded<true> {
  const m = deviceMessage(text, "command_response", 2);
  if (!m.ok) return m;
  const value = readString(m.value.obj, "value");
  if (!value.ok) return value;
  return value.value === "true" ? { ok: true, value: true } : reject("invalid_value", "value is not \"true\"");
}
