// Codecs for every message of PROTOCOL.md, both directions. The implementations live in
// messages-device.ts (the device's side), messages-server.ts (the broker/gateway side) and
// messages-controller.ts (controller ↔ gateway); this module is the one place to import from.

import type { ErrorReason } from "./entity-types";
import type { DecodeError } from "./json";

export { MAX_PAYLOAD_BYTES, utf8Length, type DecodeError, type DecodeReason, type Decoded } from "./json";
export { DEFAULT_BROKER_PORT, formatBrokerAddress, parseBrokerAddress, type BrokerAddress } from "./broker-address";
export { isPemCertificate, MAX_CERT_CHARS } from "./pem";
export {
  MAX_CREDENTIAL_CHARS, MAX_ENTITIES, MAX_GROUPS, MAX_NAME_CHARS, MAX_SSID_BYTES, MAX_UNIT_CHARS, MAX_WIFI_PASSWORD, MIN_WIFI_PASSWORD,
} from "./message-fields";
export type { Command, CommandType, EntityDescriptor, EntityValue, ErrorReason, Rgb, ValueType } from "./entity-types";
export type * from "./message-types";
export * from "./messages-device";
export * from "./messages-server";
export * from "./messages-controller";

/** The `error` report reason for an input that failed to decode (§8). */
export function errorReasonFor(e: DecodeError): ErrorReason {
  switch (e.reason) {
    case "oversized":
      return "payload_too_large";
    case "malformed_json":
    case "not_object":
      return "malformed_json";
    case "unsupported_command":
      return "unsupported_command";
    default:
      return "invalid_value";
  }
}
