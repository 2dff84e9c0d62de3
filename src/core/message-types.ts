// The decoded forms of the messages of PROTOCOL.md (entity value types live in ./entity-types).

import type { BrokerAddress } from "./broker-address";
import type { EntityDescriptor, EntityValue, ErrorReason } from "./entity-types";

export interface MqttCredentials { cert: string; user: string; password: string }
export interface WifiCredentials { ssid: string; password: string }

export type BrokerError = "activation_expired" | "unknown_activation_code";
export type BrokerData =
  | { kind: "credentials"; broker: BrokerAddress; cert: string; user: string; password: string }
  | { kind: "error"; error: BrokerError };

export type HomeMessage =
  | { kind: "home_prefix"; home: string; gateway: string }
  | { kind: "rename"; deviceId: string; name: string; groups: string[] };

export interface AboutInfo {
  deviceId: string;
  deviceType: string;
  deviceName: string;
  groups: string[];
  fwVersion: string;
  entities: EntityDescriptor[];
}

export type DeviceStatus = "online" | "offline";
export type ActivationRequest = "GET_CREDENTIALS" | "GET_BROKER_DATA";

/** What a server-side decoder returns for a message that carries a timestamp (§9: undefined when unusable). */
export type Stamped<T> = T & { timestamp: number | undefined };

export interface Confirmation { value: EntityValue }
export interface Report { value: EntityValue; unit: string }
export interface ErrorReport { reason: ErrorReason }
export interface StatusReport { status: DeviceStatus; priority: number }
export interface AboutReport extends AboutInfo { status: DeviceStatus }

/** Controller ↔ gateway (`<H>/<G>/add_device/out` and `/in`), spec digest §1.1 steps 1, 13, 14. */
export interface AddDeviceRequest { activationCode: string; deviceId: string; deviceType: string }
export interface SetupResult { deviceId: string; result: string }
export interface ControllerRename { deviceId: string; name: string; groups: string[] }
export type AddDeviceOut = ({ kind: "add" } & AddDeviceRequest) | ({ kind: "rename" } & ControllerRename);
