// Which catalog entries (tests/malformed-catalog.ts) are in fact valid messages: a mutation can
// land on a field a kind takes as opaque (a user name "a/b", a group list ["a","b"]) or on a form
// PROTOCOL allows (`remove` with value true). Those are not malformed input: the suites filter
// them out (on the simulator a valid `remove` would factory-reset the unit, a valid `broker_data`
// would send it to a made-up broker).
import {
  decodeAboutQuery, decodeBrokerData, decodeHomeIn, decodeMqttCredentials, decodeRemove, decodeWifiCredentials,
} from "../src/core/messages";
import type { InboundKind } from "./malformed-catalog";

/** True when `payload` is a message `kind` accepts. */
export function acceptedAs(kind: InboundKind, payload: string): boolean {
  switch (kind) {
    case "credentials": return decodeMqttCredentials(payload).ok;
    case "broker_data": return decodeBrokerData(payload).ok;
    case "wifi": return decodeWifiCredentials(payload).ok;
    case "home_prefix": { const r = decodeHomeIn(payload); return r.ok && r.value.kind === "home_prefix"; }
    case "rename": { const r = decodeHomeIn(payload); return r.ok && r.value.kind === "rename"; }
    case "command": return false; // decodable commands with a bad value are refused by the entity
    case "about": return decodeAboutQuery(payload).ok;
    case "remove": return decodeRemove(payload).ok;
  }
}
