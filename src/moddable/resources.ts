// Factory identity from the application's resources (the identity folder the manifest embeds,
// certs/dev's development identity by default): the label's QR payload
// `MQTT2GO:<device_id>:<activation_code>:<device_type>` and the DER certificates and key.
// The ids can be overridden in the build config (`mcconfig ... device_id=...`).
import Resource from "Resource";
import { parseBrokerAddress } from "../core/broker-address";
import { isActivationCode, isId } from "../core/ids";
import type { FactoryIdentity } from "../core/ports";
import { isDeviceType } from "../core/profiles";
import { configString } from "./app-config";
import type { Factory } from "./host";

export const RESOURCE_CA = "factory-ca.der";
export const RESOURCE_CERT = "factory-cert.der";
export const RESOURCE_KEY = "factory-key.der";
export const RESOURCE_QR = "factory-qr.txt";

/** A copy in RAM: the TLS code wraps its inputs in Uint8Array, which a flash-mapped HostBuffer refuses. */
function resource(name: string): ArrayBuffer {
  if (!Resource.exists(name)) throw new Error(`resource ${name} is missing from the build`);
  return new Resource(name).slice(0);
}

export interface LabelIds { deviceId: string; activationCode: string; deviceType: string }

/** Parses a label's QR payload; undefined when it is not `MQTT2GO:<id>:<code>:<type>`. */
export function parseQrPayload(text: string): LabelIds | undefined {
  const parts = text.trim().split(":");
  if (parts.length !== 4 || parts[0] !== "MQTT2GO") return undefined;
  return { deviceId: parts[1], activationCode: parts[2], deviceType: parts[3] };
}

function labelResource(): LabelIds | undefined {
  if (!Resource.exists(RESOURCE_QR)) return undefined;
  return parseQrPayload(String.fromArrayBuffer(new Resource(RESOURCE_QR).slice(0)));
}

function pick(config: string, label: string | undefined): string {
  return config.length > 0 ? config : label ?? "";
}

/** Identity fields: build config first, then the label; throws on an invalid unit. */
export function identityFrom(label: LabelIds | undefined): FactoryIdentity {
  const deviceId = pick(configString("device_id", ""), label?.deviceId);
  const activationCode = pick(configString("activation_code", ""), label?.activationCode);
  const deviceType = pick(configString("device_type", ""), label?.deviceType);
  if (!isId(deviceId)) throw new Error("factory identity: device_id is missing or not an id");
  if (!isActivationCode(activationCode)) throw new Error("factory identity: activation_code is missing or too short");
  if (!isDeviceType(deviceType)) throw new Error(`factory identity: unsupported device_type "${deviceType}"`);
  const discovery = parseBrokerAddress(configString("discovery", ""));
  if (!discovery.ok) throw new Error(`config discovery: ${discovery.error.detail}`);
  return { deviceId, activationCode, deviceType, discovery: discovery.value };
}

export function factoryFromResources(): Factory {
  return {
    identity: identityFrom(labelResource()),
    tls: { ca: resource(RESOURCE_CA), cert: resource(RESOURCE_CERT), key: resource(RESOURCE_KEY) },
    source: "resources",
  };
}
