// What a unit's factory data must be before the firmware trusts it (PROTOCOL §1), and the rule
// for when it is not: only a development build may fall back to the identity the build embeds
// (the public development CA and `dev-socket-0001`); a production build refuses to run.
// Pure ES2022 (no SDK import): tested on xsnap and Node.
import { parseBrokerAddress } from "../core/broker-address";
import { isActivationCode, isId } from "../core/ids";
import { isDeviceType } from "../core/profiles";

/** The factory partition's record, as hosts/esp32/factory/factory-data.js reads it. */
export interface FactoryFields {
  deviceId: string;
  activationCode: string;
  deviceType: string;
  discovery: { host: string; port: number };
  caDer: ArrayBuffer;
  clientCertificateDer: ArrayBuffer;
  clientKeyDer: ArrayBuffer;
}

/** A DER value: one SEQUENCE whose encoded length is exactly the buffer (no truncation, no trailing bytes). */
export function isDerSequence(b: ArrayBuffer): boolean {
  const u = new Uint8Array(b);
  if (u.length < 2 || u[0] !== 0x30) return false;
  let len = u[1] ?? 0, at = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4 || u.length < 2 + n) return false;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (u[2 + i] ?? 0);
    at = 2 + n;
  }
  return at + len === u.length;
}

/** The first field that is not what PROTOCOL §1 requires, named (never its value), or undefined. */
export function factoryProblem(f: FactoryFields): string | undefined {
  if (!isId(f.deviceId)) return "device_id is missing or not an id";
  if (!isActivationCode(f.activationCode)) return "activation_code is missing or too short";
  if (!isDeviceType(f.deviceType)) return "device_type is not a supported type";
  const port = f.discovery.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return "disc_port is not a port number";
  const host = f.discovery.host;
  // disc_host holds a name or an address alone (an IPv6 one unbracketed); the port is disc_port.
  const address = parseBrokerAddress(host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);
  if (host.length === 0 || !address.ok) return "disc_host is not a host name or address";
  if (!isDerSequence(f.caDer)) return "ca_der is not a DER certificate";
  if (!isDerSequence(f.clientCertificateDer)) return "client_der is not a DER certificate";
  if (!isDerSequence(f.clientKeyDer)) return "client_key_der is not a DER private key";
  return undefined;
}

export type FactoryChoice<T> =
  | { use: "factory"; record: T }
  | { use: "development"; problem: string }
  | { use: "refuse"; problem: string };

/**
 * Reads the factory record (`read` throws when the partition or a key is missing) and decides:
 * valid → use it; invalid or unreadable → the embedded development identity only when
 * `development` is true, else refuse.
 */
export function chooseFactory<T extends FactoryFields>(read: () => T, development: boolean): FactoryChoice<T> {
  let problem: string | undefined;
  let record: T | undefined;
  try {
    record = read();
    problem = factoryProblem(record);
  } catch (e) {
    problem = e instanceof Error ? e.message : String(e);
  }
  if (record && problem === undefined) return { use: "factory", record };
  const why = problem ?? "unreadable";
  return development ? { use: "development", problem: why } : { use: "refuse", problem: why };
}
