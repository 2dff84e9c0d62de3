// Property-based fuzzing (fast-check, pinned) of every decoder of PROTOCOL.md's messages, on Node
// (10^4 cases per decoder) and on XS (10^3): a decoder never throws, always answers a Result with a
// known reason, answers the same twice, and never touches Object.prototype.
import { assert, say, test } from "../harness";
import * as m from "../../src/core/messages";
import { INBOUND_KINDS, type InboundKind } from "../malformed-catalog";
import { ENGINE, RUNS, SEED, fc, inboundPayload } from "./fuzz-arbitraries";
import { DID } from "./onboarding-kit";

const REASONS = new Set<string>(["oversized", "malformed_json", "not_object", "missing_field", "wrong_type", "invalid_value", "invalid_id", "unsupported_command", "unexpected_type"]);

type Decoder = (text: string) => m.Decoded<unknown>;

/** Every decoder, with the inbound kind whose valid message seeds its mutations. */
const DECODERS: [string, Decoder, InboundKind][] = [
  ["decodeMqttCredentials", m.decodeMqttCredentials, "credentials"],
  ["decodeBrokerData", m.decodeBrokerData, "broker_data"],
  ["decodeWifiCredentials", m.decodeWifiCredentials, "wifi"],
  ["decodeHomeIn (home_prefix)", m.decodeHomeIn, "home_prefix"],
  ["decodeHomeIn (rename)", m.decodeHomeIn, "rename"],
  ["decodeCommand", m.decodeCommand, "command"],
  ["decodeAboutQuery", m.decodeAboutQuery, "about"],
  ["decodeRemove", m.decodeRemove, "remove"],
  ["decodeActivationRequest", m.decodeActivationRequest, "credentials"],
  ["decodeWifiRequest", m.decodeWifiRequest, "wifi"],
  ["decodeHomePrefixRequest", m.decodeHomePrefixRequest, "home_prefix"],
  ["decodeConfirmation", m.decodeConfirmation, "command"],
  ["decodeReport", m.decodeReport, "command"],
  ["decodeError", m.decodeError, "command"],
  ["decodeStatus", m.decodeStatus, "command"],
  ["decodeAbout", m.decodeAbout, "about"],
  ["decodeRemoveConfirmation", m.decodeRemoveConfirmation, "remove"],
  ["decodeAddDeviceRequest", m.decodeAddDeviceRequest, "rename"],
  ["decodeControllerRename", m.decodeControllerRename, "rename"],
  ["decodeAddDeviceOut", m.decodeAddDeviceOut, "rename"],
  ["decodeSetupResult", m.decodeSetupResult, "rename"],
];

test(`${INBOUND_KINDS.length} inbound kinds are all fuzzed`, () => {
  for (const k of INBOUND_KINDS) assert(DECODERS.some(([, , kind]) => kind === k), k);
});

/** The first 8 decode what a device receives: the full count; the stack's decoders get a tenth. */
const DEVICE_DECODERS = 8;

for (const [i, [name, decode, kind]] of DECODERS.entries()) {
  const runs = i < DEVICE_DECODERS ? RUNS : RUNS / 10;
  test(`${name}: ${runs} cases never throw, always a Result with a known reason, deterministic`, () => {
    let accepted = 0;
    fc.assert(fc.property(inboundPayload(kind, DID), (text) => {
      const r = decode(text);
      if (r.ok) { accepted++; return; }
      assert(REASONS.has(r.error.reason), `unknown reason ${r.error.reason}`);
      assert(typeof r.error.detail === "string");
      const again = decode(text);
      assert(!again.ok && again.error.reason === r.error.reason && again.error.detail === r.error.detail, "not deterministic");
      assert(({} as Record<string, unknown>).polluted === undefined, "prototype polluted");
    }), { numRuns: runs, seed: SEED });
    say(`[${ENGINE}] ${name}: ${runs} cases, ${runs - accepted} refused, ${accepted} accepted`);
  });
}
