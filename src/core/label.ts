// The label's QR payload (PROTOCOL §1): `MQTT2GO:<device_id>:<activation_code>:<device_type>`.
// The reasons say what is wrong without repeating the payload (it holds the activation code).
import { isActivationCode, isId } from "./ids";
import type { Result } from "./result";

export const LABEL_PREFIX = "MQTT2GO";
/** A payload longer than 4 ids and their separators is not a label. */
export const MAX_LABEL_CHARS = LABEL_PREFIX.length + 3 * 65;

export interface LabelIds { deviceId: string; activationCode: string; deviceType: string }

export function labelPayload(ids: LabelIds): string {
  return `${LABEL_PREFIX}:${ids.deviceId}:${ids.activationCode}:${ids.deviceType}`;
}

/** Parses a scanned or pasted payload (surrounding white space ignored); the error is a sentence for people. */
export function parseLabelPayload(text: string): Result<LabelIds, string> {
  const t = text.trim();
  if (t.length === 0) return { ok: false, error: "The label payload is empty." };
  if (t.slice(0, LABEL_PREFIX.length + 1) !== LABEL_PREFIX + ":") {
    return { ok: false, error: "This is not an MQTT2GO label: its code does not start with MQTT2GO:." };
  }
  if (t.length > MAX_LABEL_CHARS) return { ok: false, error: "This MQTT2GO label is too long to be valid." };
  const parts = t.split(":");
  if (parts.length !== 4) {
    return { ok: false, error: `An MQTT2GO label has 4 parts, MQTT2GO:<device_id>:<activation_code>:<device_type>; this one has ${parts.length}.` };
  }
  const [, deviceId, activationCode, deviceType] = parts;
  if (!isId(deviceId)) return { ok: false, error: "The label's device id is not valid (1-64 of A-Z a-z 0-9 _ . -)." };
  if (!isActivationCode(activationCode)) return { ok: false, error: "The label's activation code is not valid (8-64 of A-Z a-z 0-9 _ . -)." };
  if (!isId(deviceType)) return { ok: false, error: "The label's device type is not valid (1-64 of A-Z a-z 0-9 _ . -)." };
  return { ok: true, value: { deviceId, activationCode, deviceType } };
}
