// Malformed input for every inbound topic kind of a device: bad JSON, binary, 1 MB, 2,000-deep
// nesting within 4 KiB, `__proto__`, wrong types and missing fields of each message, plus
// look-alike topics. Platform-free: the core tests (Node and XS) and the simulator test use it.

export interface Malformed {
  /** What the entry tries, for failure messages (never a secret). */
  label: string;
  payload: string;
  /** Send the payload as raw bytes (each char code < 256 is one byte), not as UTF-8 text. */
  binary?: boolean;
}

export type InboundKind = "credentials" | "broker_data" | "wifi" | "home_prefix" | "rename" | "command" | "about" | "remove";

export const INBOUND_KINDS: readonly InboundKind[] = Object.freeze(["credentials", "broker_data", "wifi", "home_prefix", "rename", "command", "about", "remove"]);

/** Deterministic bytes (a linear congruential sequence), so every engine sees the same payloads. */
function bytes(seed: number, n: number): string {
  let x = seed >>> 0, s = "";
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode((x >>> 16) & 0xff);
  }
  return s;
}

const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number) => "{\"a\":".repeat(n) + "1" + "}".repeat(n);

/** Junk that is no message of any kind. */
export function genericJunk(): Malformed[] {
  const j = (label: string, payload: string, binary = false): Malformed => (binary ? { label, payload, binary } : { label, payload });
  const out: Malformed[] = [
    j("empty", ""), j("space", " "), j("open brace", "{"), j("close brace", "}"), j("open bracket", "["), j("empty array", "[]"),
    j("null", "null"), j("true", "true"), j("false", "false"), j("zero", "0"), j("number", "42"), j("negative exponent", "-1e999"),
    j("string", "\"str\""), j("cut after key", "{\"timestamp\":"), j("single quotes", "{'type':'x'}"), j("unclosed", "{\"type\":\"set\",\"value\":\"on\""),
    j("undefined", "undefined"), j("NaN", "NaN"), j("Infinity", "Infinity"), j("empty object", "{}"), j("value only", "{\"value\":{}}"),
    j("array of message", "[{\"type\":\"set\"}]"), j("nul", "\u0000"), j("BOM object", "\uFEFF{}"), j("extra brace", "{\"type\":\"set\"}}"),
    j("trailing garbage", "{\"a\":1}garbage"), j("nul in string", "{\"type\":\"\\u0000\"}"), j("trailing comma", "{\"type\":\"x\",}"),
    j("comment", "{/*c*/\"type\":\"x\"}"), j("hex number", "{\"timestamp\":0x10}"), j("lone surrogate escape", "{\"type\":\"\\ud800\"}"),
    j("bad escape", "{\"type\":\"\\x41\"}"), j("control char in string", "{\"type\":\"a\u0001b\"}"), j("duplicate keys", "{\"type\":\"a\",\"type\":\"b\"}"),
    j("__proto__ polluter", "{\"__proto__\":{\"polluted\":1}}"), j("constructor polluter", "{\"constructor\":{\"prototype\":{\"polluted\":1}}}"),
    j("type null", "{\"type\":null,\"value\":null}"), j("type array", "{\"type\":[],\"value\":[]}"), j("type object", "{\"type\":{},\"value\":{}}"),
    j("type number", "{\"type\":1,\"value\":1}"), j("huge number", `{"timestamp":1${"0".repeat(400)}}`),
    j("4100 bytes", `{"type":"set","value":"${"x".repeat(4100)}"}`), j("4 KiB of 2-byte chars", `{"type":"x","pad":"${"é".repeat(2100)}"}`),
    j("1 MB", `{"type":"set","value":"${"x".repeat(1 << 20)}"}`), j("1 MB of spaces", " ".repeat(1 << 20)),
    j("2,000-deep array (4 KiB)", deepArray(2000)), j("2,000-deep array in value", `{"type":"set","value":${deepArray(2000)}}`),
    j("800-deep object", deepObject(800)), j("17-deep array", deepArray(17)), j("unbalanced deep", "[".repeat(2040)),
    j("emoji", "\u{1F600}"), j("lone surrogate", "\uD800"), j("U+FFFD run", "\uFFFD".repeat(64)),
  ];
  for (const [n, v] of wrongValues()) out.push(j(`bare ${n}`, JSON.stringify(v)));
  const alphabet = "{}[]\":,\\ abtnul0123456789.-eE+/";
  for (let i = 0; i < 40; i++) {
    const raw = bytes(1000 + i, 4 + i * 3);
    let s = "{";
    for (let k = 0; k < raw.length; k++) s += alphabet[raw.charCodeAt(k) % alphabet.length];
    out.push(j(`JSON-like noise ${i}`, s));
  }
  for (let i = 0; i < 12; i++) out.push(j(`binary ${i}`, bytes(i + 1, 8 + i * 37), true));
  out.push(j("binary 0xff run", "\u00ff".repeat(300), true), j("binary nul run", "\u0000".repeat(300), true),
    j("binary bad UTF-8 start", "\u00c3\u0028{}", true), j("binary overlong", "\u00c0\u00af", true));
  return out;
}

/** Values of the wrong type (or out of range) for any field. */
function wrongValues(): [string, unknown][] {
  return [
    ["null", null], ["zero", 0], ["negative", -1], ["float", 1.5], ["true", true], ["false", false], ["empty array", []],
    ["empty object", {}], ["empty string", ""], ["5,000 chars", "x".repeat(5000)], ["nul", "\u0000"], ["slash", "a/b"],
    ["wildcard", "#"], ["array of strings", ["a", "b"]], ["nested", { a: { b: 1 } }], ["__proto__ object", JSON.parse("{\"__proto__\":{\"polluted\":1}}")],
  ];
}

/** Every valid message's field deleted, or replaced by each wrong value; the whole `value` too. */
function mutations(valid: Record<string, unknown>, label: string): Malformed[] {
  const out: Malformed[] = [];
  const value = valid.value as Record<string, unknown> | string;
  const top = (o: Record<string, unknown>, l: string) => out.push({ label: `${label}: ${l}`, payload: JSON.stringify(o) });
  for (const k of Object.keys(valid)) {
    if (k === "timestamp") continue; // any timestamp is accepted (§9)
    const { [k]: _gone, ...rest } = valid;
    top(rest, `no ${k}`);
    for (const [n, v] of wrongValues()) top({ ...valid, [k]: v }, `${k} ${n}`);
  }
  if (value && typeof value === "object") {
    for (const k of Object.keys(value)) {
      const { [k]: _gone, ...rest } = value;
      top({ ...valid, value: rest }, `no value.${k}`);
      for (const [n, v] of wrongValues()) top({ ...valid, value: { ...value, [k]: v } }, `value.${k} ${n}`);
    }
  }
  const text = JSON.stringify(valid);
  for (const cut of [1, 2, 10, text.length >> 1, text.length - 1]) out.push({ label: `${label}: cut at ${cut}`, payload: text.slice(0, cut) });
  out.push({ label: `${label}: as array`, payload: `[${text}]` }, { label: `${label}: as string`, payload: JSON.stringify(text) },
    { label: `${label}: __proto__ value`, payload: text.replace("\"value\":", "\"__proto__\":") });
  return out;
}

const CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVGb3JUZXN0c09ubHkwCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----";

/** A valid message of each kind (with the device id `did`), from which the mutations start. */
export function validMessage(kind: InboundKind, did: string): Record<string, unknown> {
  switch (kind) {
    case "credentials": return { timestamp: 1790000000, type: "mqtt_credentials", value: { cert: CERT, user: "u-0001", password: "pw-0001-x" } };
    case "broker_data": return { type: "broker_data", timestamp: 1790000000, value: { broker_ip: "cloud.example:8884", device_certificate: CERT, user: "u-0001", password: "pw-0001-x" } };
    case "wifi": return { timestamp: 1790000000, type: "wifi_credentials", value: { SSID: "HomeNet", password: "home-pass-123" } };
    case "home_prefix": return { timestamp: 1790000000, type: "home_prefix", value: { home_id: "home1", gateway_id: "gw1" } };
    case "rename": return { timestamp: 1790000000, type: "rename_device", value: { device_id: did, device_name: "Kitchen", group_id: ["kitchen"] } };
    case "command": return { timestamp: 1790000000, type: "set", value: "on" };
    case "about": return { timestamp: 1790000000, type: "query", value: "" };
    case "remove": return { timestamp: 1790000000, type: "control", value: "true" };
  }
}

/**
 * At least 130 payloads that must be refused on `kind`'s topic. Entries a decoder could accept
 * (a wrong value in a field the message kind ignores) are filtered by the caller's decoder.
 */
export function malformedFor(kind: InboundKind, did: string): Malformed[] {
  return [...genericJunk(), ...mutations(validMessage(kind, did), kind)];
}

/** Topics that look like the device's own but are not (`p` = `<H>/<G>/<DID>`, `ac` = activation code). */
export function lookAlikeTopics(p: string, did: string, ac: string): string[] {
  const [h, g] = p.split("/");
  const out = [
    `${p}/switch`, `${p}/switch/in/x`, `${p}/switch/in/`, `${p}/switch/out`, `${p}/switch/IN`, `${p}/Switch/in`, `${p}//in`, `${p}/in`,
    `${p}/+/in`, `${p}/#`, `${p}/switch/+`, `${p}/switch/#`, `${p}`, `${p}/`, `/${p}/switch/in`, `${p}/switch/in\u0000`, `${p} /switch/in`,
    `${h}/${g}/${did}x/switch/in`, `${h}/${g}/x${did}/switch/in`, `${h}/${g}/${did.toUpperCase()}/switch/in`, `${h}x/${g}/${did}/switch/in`,
    `${h}/${g}x/${did}/switch/in`, `+/${g}/${did}/switch/in`, `${h}/+/${did}/switch/in`, `${h}/${g}/+/switch/in`, `#`, `+/+/+/+/+`,
    `${h}//${did}/switch/in`, `${h}/${g}/${did}/switch/in/in`, `${h}/${g}/${did}/about/out`, `${h}/${g}/${did}/remove/out`,
    `${h}/${g}/add_device/out`, `${h}/${g}/add_device/in`, `${did}/home/out`, `${did}/home/in/x`, `${did}/home`, `${did}/Home/in`,
    `${did}x/home/in`, `x${did}/home/in`, `${ac}/activation/in`, `${ac}/wifi/in`, `${ac}/activation/out`, `$SYS/broker/uptime`,
    `${p.replace(/e/g, "\u0435")}/switch/in`, `${p}/swіtch/in`, `${p}/switch\u200b/in`, `${p}/${"x".repeat(65)}/in`, `${p}/a b/in`,
    `${"x".repeat(400)}/in`, "", "/", "//", "in", `${p}/switch/in`.toUpperCase(),
  ];
  const base = [h, g, did, "switch", "in"];
  const add = (levels: string[]) => {
    const t = levels.join("/");
    if (t !== `${p}/switch/in` && !out.includes(t)) out.push(t);
  };
  for (let at = 0; at < 5; at++) {
    const l = base[at] ?? "";
    for (const v of ["", "+", "#", " ", `${l}/`, `${l}x`, l.slice(1), `${l.toUpperCase()}Z`, "..", `${l}\u0301`, `${l}0`, `-${l}`]) {
      const levels = [...base];
      levels[at] = v;
      add(levels);
    }
  }
  for (let at = 0; at <= 5; at++) for (const extra of ["x", "+", "in"]) add([...base.slice(0, at), extra, ...base.slice(at)]);
  for (let a = 0; a < 5; a++) for (let b = a + 1; b < 5; b++) {
    add(base.map((l, i) => (i === a || i === b ? `${l}_` : l)));
    add(base.map((l, i) => (i === a ? base[b] ?? "" : i === b ? base[a] ?? "" : l)));
  }
  return out;
}
