// Controller ↔ gateway messages on `<H>/<G>/add_device/{out,in}` (spec digest §1.1 steps 1,
// 13, 14). They carry no `type` key. Used by the development stack; a device never reads them.

import { isActivationCode } from "./ids";
import { has, parseObject, readChecked, readId, readIdList, readObject, reject, timestampOf, type Decoded, type JsonObject } from "./json";
import { isDisplayName, MAX_GROUPS } from "./message-fields";
import type { AddDeviceOut, AddDeviceRequest, ControllerRename, SetupResult, Stamped } from "./message-types";
import { emitTimestamp } from "./timestamp";

export function encodeAddDeviceRequest(t: number | undefined, r: AddDeviceRequest): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), value: { activation_code: r.activationCode, device_id: r.deviceId, device_type: r.deviceType } });
}

export function encodeSetupResult(t: number | undefined, deviceId: string, result: string): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), value: { device_id: deviceId, setup_result: result } });
}

export function encodeControllerRename(t: number | undefined, deviceId: string, name: string, groups: readonly string[]): string {
  return JSON.stringify({ timestamp: emitTimestamp(t), value: { device_id: deviceId, device_name: name, group_id: groups } });
}

function addRequestOf(o: JsonObject, v: JsonObject): Decoded<Stamped<AddDeviceRequest>> {
  const ac = readId(v, "activation_code", "value.activation_code");
  if (!ac.ok) return ac;
  if (!isActivationCode(ac.value)) return reject("invalid_value", "value.activation_code is shorter than 8 characters");
  const deviceId = readId(v, "device_id", "value.device_id");
  if (!deviceId.ok) return deviceId;
  const deviceType = readId(v, "device_type", "value.device_type");
  if (!deviceType.ok) return deviceType;
  return { ok: true, value: { activationCode: ac.value, deviceId: deviceId.value, deviceType: deviceType.value, timestamp: timestampOf(o) } };
}

function renameOf(o: JsonObject, v: JsonObject): Decoded<Stamped<ControllerRename>> {
  const deviceId = readId(v, "device_id", "value.device_id");
  if (!deviceId.ok) return deviceId;
  const name = readChecked(v, "device_name", isDisplayName, "value.device_name");
  if (!name.ok) return name;
  const groups = readIdList(v, "group_id", MAX_GROUPS, "value.group_id");
  if (!groups.ok) return groups;
  return { ok: true, value: { deviceId: deviceId.value, name: name.value, groups: groups.value, timestamp: timestampOf(o) } };
}

function valueOf(text: string): Decoded<{ o: JsonObject; v: JsonObject }> {
  const o = parseObject(text);
  if (!o.ok) return o;
  const v = readObject(o.value, "value");
  if (!v.ok) return v;
  return { ok: true, value: { o: o.value, v: v.value } };
}

export function decodeAddDeviceRequest(text: string): Decoded<Stamped<AddDeviceRequest>> {
  const m = valueOf(text);
  return m.ok ? addRequestOf(m.value.o, m.value.v) : m;
}

export function decodeControllerRename(text: string): Decoded<Stamped<ControllerRename>> {
  const m = valueOf(text);
  return m.ok ? renameOf(m.value.o, m.value.v) : m;
}

/** Either message a controller publishes on `add_device/out`, told apart by `activation_code`. */
export function decodeAddDeviceOut(text: string): Decoded<Stamped<AddDeviceOut>> {
  const m = valueOf(text);
  if (!m.ok) return m;
  if (has(m.value.v, "activation_code")) {
    const r = addRequestOf(m.value.o, m.value.v);
    return r.ok ? { ok: true, value: { kind: "add", ...r.value } } : r;
  }
  const r = renameOf(m.value.o, m.value.v);
  return r.ok ? { ok: true, value: { kind: "rename", ...r.value } } : r;
}

export function decodeSetupResult(text: string): Decoded<Stamped<SetupResult>> {
  const m = valueOf(text);
  if (!m.ok) return m;
  const deviceId = readId(m.value.v, "device_id", "value.device_id");
  if (!deviceId.ok) return deviceId;
  const result = readChecked(m.value.v, "setup_result", isDisplayName, "value.setup_result");
  if (!result.ok) return result;
  return { ok: true, value: { deviceId: deviceId.value, result: result.value, timestamp: timestampOf(m.value.o) } };
}
