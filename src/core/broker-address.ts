// `broker_ip` (PROTOCOL §6): a host name, an IPv4 address, `host:port` or `[IPv6]:port`.

import { reject, type Decoded } from "./json";

export const DEFAULT_BROKER_PORT = 8883;

export interface BrokerAddress { host: string; port: number }

// RegExps are made per call, never at module load: the module is preloaded (run at build time)
// and XS 17.7 crashes in RegExp.prototype.exec on a preloaded RegExp after a few GCs (README).
// An address is parsed once per activation, so the few allocations do not matter.
const quad = (): RegExp => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const hexGroup = (): RegExp => /^[0-9A-Fa-f]{1,4}$/;
const digits = (): RegExp => /^[0-9]+$/;

export function isIpv4(s: string): boolean {
  const m = quad().exec(s);
  if (!m) return false;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    if ((part.length > 1 && part[0] === "0") || Number(part) > 255) return false;
  }
  return true;
}

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

// Hand-written: XS mis-matches bounded repeats inside an optional group
// (/^a(?:a{0,61}a)?$/ accepts 64 or more characters there).
function isLabel(s: string): boolean {
  if (s.length === 0 || s.length > 63) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnum(c) && !(c === 0x2d && i > 0 && i < s.length - 1)) return false;
  }
  return true;
}

/** RFC 1123 host name; a name whose last label is all digits must be an IPv4 address instead. */
export function isHostname(s: string): boolean {
  if (s.length > 253) return false;
  const labels = s.split(".");
  for (const label of labels) if (!isLabel(label)) return false;
  return !digits().test(labels[labels.length - 1]);
}

/** Number of 16-bit groups in a colon-separated run, or -1 when malformed. */
function ipv6Groups(part: string, allowV4Tail: boolean): number {
  if (part === "") return 0;
  const groups = part.split(":");
  let n = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (allowV4Tail && i === groups.length - 1 && g.includes(".")) {
      if (!isIpv4(g)) return -1;
      n += 2;
    } else if (hexGroup().test(g)) n += 1;
    else return -1;
  }
  return n;
}

export function isIpv6(s: string): boolean {
  const halves = s.split("::");
  if (halves.length > 2) return false;
  if (halves.length === 1) return ipv6Groups(s, true) === 8;
  const a = ipv6Groups(halves[0], false), b = ipv6Groups(halves[1], true);
  return a >= 0 && b >= 0 && a + b <= 7;
}

function parsePort(s: string): number | undefined {
  if (s.length > 5 || !digits().test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** The longest `broker_ip`: a 253-character host name and `:65535`. */
const MAX_BROKER_IP = 259;

export function parseBrokerAddress(s: unknown): Decoded<BrokerAddress> {
  if (typeof s !== "string") return reject("wrong_type", "broker_ip is not a string");
  if (s.length === 0 || s.length > MAX_BROKER_IP) return reject("invalid_value", "broker_ip has a bad length");
  let host: string, portText: string | undefined;
  if (s[0] === "[") {
    const close = s.indexOf("]");
    if (close === -1) return reject("invalid_value", "broker_ip: unclosed [");
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== "" && rest[0] !== ":") return reject("invalid_value", "broker_ip: junk after ]");
    if (rest !== "") portText = rest.slice(1);
    if (!isIpv6(host)) return reject("invalid_value", "broker_ip: bad IPv6 address");
  } else {
    const colon = s.indexOf(":");
    if (colon !== s.lastIndexOf(":")) {
      if (!isIpv6(s)) return reject("invalid_value", "broker_ip: bad address");
      host = s;
    } else {
      host = colon === -1 ? s : s.slice(0, colon);
      if (colon !== -1) portText = s.slice(colon + 1);
      if (!isIpv4(host) && !isHostname(host)) return reject("invalid_value", "broker_ip: bad host");
    }
  }
  if (portText === undefined) return { ok: true, value: { host, port: DEFAULT_BROKER_PORT } };
  const port = parsePort(portText);
  return port === undefined ? reject("invalid_value", "broker_ip: bad port") : { ok: true, value: { host, port } };
}

/** The `broker_ip` text for an address (brackets for IPv6, port always given). */
export function formatBrokerAddress(a: BrokerAddress): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
