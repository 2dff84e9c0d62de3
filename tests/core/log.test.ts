import { test, assert, equal, deepEqual } from "../harness";
import { createLogger, formatJson, formatText } from "../../src/core/log";
import type { LogRecord, LogSink } from "../../src/core/ports";

// A truncated, fake key (spelled in pieces so no scanner mistakes this file for a key store).
const FAKE_KEY = ["-----BEGIN ", "PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END ", "PRIVATE KEY-----"].join("");

const rec = (over: Partial<LogRecord> = {}): LogRecord => ({
  uptimeMs: 12345, level: "info", phase: "cloud", event: "broker.connected",
  fields: { host: "broker.local", port: 8883 }, ...over,
});

test("log: formatText exact line", () => {
  equal(formatText(rec()), "[   12.345] cloud          broker.connected host=broker.local port=8883");
  equal(formatText(rec({ uptimeMs: 7, fields: {} })), "[    0.007] cloud          broker.connected");
  equal(formatText(rec({ uptimeMs: 1234567890, phase: "operational", level: "warn", event: "broker.closed", fields: { reason: "auth" } })),
    "[1234567.890] operational    WARN broker.closed reason=auth");
  equal(formatText(rec({ level: "error", phase: "", fields: { ok: false, n: -1.5 } })), "[   12.345] -              ERROR broker.connected ok=false n=-1.5");
  equal(formatText(rec({ uptimeMs: NaN, level: "debug", fields: {} })), "[    0.000] cloud          DEBUG broker.connected");
});

test("log: formatText quotes values with spaces (and anything that would break the line)", () => {
  equal(formatText(rec({ fields: { detail: "connection refused", topic: "a/b/c" } })),
    '[   12.345] cloud          broker.connected detail="connection refused" topic=a/b/c');
  equal(formatText(rec({ fields: { e: "", q: 'say "hi"', nl: "a\nb", eq: "a=b" } })),
    '[   12.345] cloud          broker.connected e="" q="say \\"hi\\"" nl="a\\nb" eq="a=b"');
  const line = formatText(rec({ event: "bad event\n", fields: { "k ey": "v\u2028w\r" } }));
  equal(line, '[   12.345] cloud          bad_event_ k_ey="v\\u2028w\\r"');
  assert(!/[\n\r\u2028\u2029]/.test(line));
});

test("log: formatJson exact line, fields after the header, reserved names prefixed", () => {
  equal(formatJson(rec()), '{"t":12345,"level":"info","phase":"cloud","event":"broker.connected","host":"broker.local","port":8883}');
  const line = formatJson(rec({ uptimeMs: 5.9, fields: { t: 1, event: "x", "2": true, msg: "a\nb" } }));
  equal(line, '{"t":5,"level":"info","phase":"cloud","event":"broker.connected","2":true,"_t":1,"_event":"x","msg":"a\\nb"}');
  assert(!line.includes("\n"));
  deepEqual(JSON.parse(line), { t: 5, level: "info", phase: "cloud", event: "broker.connected", "2": true, _t: 1, _event: "x", msg: "a\nb" });
  equal(formatJson(rec({ fields: { n: Infinity } })), '{"t":12345,"level":"info","phase":"cloud","event":"broker.connected","n":"Infinity"}');
});

test("log: createLogger stamps uptime, level and the current phase, and masks fields", () => {
  const got: LogRecord[] = [];
  let now = 1500, phase = "discover";
  const log = createLogger((r) => got.push(r), { uptimeMs: () => now }, () => phase);
  log.info("mdns.found", { host: "MQTT2GO.local", port: 8883 });
  now = 2000;
  phase = "activate_local";
  log.warn("activation.reply", { user: "u1", password: "p4ssw0rd-xyz" });
  log.debug("tick");
  log.error("x", { err: new Error("fail") });
  deepEqual(got, [
    { uptimeMs: 1500, level: "info", phase: "discover", event: "mdns.found", fields: { host: "MQTT2GO.local", port: 8883 } },
    { uptimeMs: 2000, level: "warn", phase: "activate_local", event: "activation.reply", fields: { user: "u1", password: "******yz" } },
    { uptimeMs: 2000, level: "debug", phase: "activate_local", event: "tick", fields: {} },
    { uptimeMs: 2000, level: "error", phase: "activate_local", event: "x", fields: { err: "Error: fail" } },
  ]);
});

test("log: no secret reaches a sink or a formatted line", () => {
  const secrets = {
    password: "Qm7vXz2Kw9s1", activation_code: "Jh4Tz8Lq7788", ac: "Rb3Wn6Yc8766", passphrase: "Gx5Vd2Np9k42",
    token: "Uy6Ht1Mf8c23", private_key: FAKE_KEY,
  };
  const lines: string[] = [];
  const log = createLogger((r) => { lines.push(formatText(r), formatJson(r)); }, { uptimeMs: () => 1 }, () => "p");
  log.info("creds", secrets);
  log.info("reply", { value: { cert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", user: "u", password: secrets.password } });
  log.warn("wifi", { wifi: { ssid: "Home", password: "Pe9Sa4Qj5566" }, key: "Kd2Fg7Bv3344" });
  equal(lines.length, 6);
  const all = lines.join("\n");
  for (const s of [...Object.values(secrets), "Pe9Sa4Qj5566", "Kd2Fg7Bv3344"]) {
    for (let i = 0; i + 3 <= s.length; i++) {
      const piece = s.slice(i, i + 3);
      if (/^[A-Z-]+$/.test(piece) || piece.includes("\n")) continue; // PEM armor and dashes are not secret
      assert(!all.includes(piece), `leaked "${piece}" of a secret`);
    }
  }
  assert(all.includes("password=******s1") && all.includes("PEM("), all);
});

test("log: a throwing sink does not throw into the caller", () => {
  const log = createLogger(() => { throw new Error("sink down"); }, { uptimeMs: () => 0 }, () => "p");
  log.info("x", { a: 1 });
  log.error("y");
});

test("log: a sink's minLevel drops lower levels before masking; 'off' drops all; none keeps all", () => {
  const run = (minLevel: LogSink["minLevel"] | "none"): string[] => {
    const got: string[] = [];
    const sink: LogSink = (r) => { got.push(r.level); };
    if (minLevel !== "none") sink.minLevel = minLevel;
    const log = createLogger(sink, { uptimeMs: () => 0 }, () => "p");
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.error("d");
    return got;
  };
  deepEqual(run("none"), ["debug", "info", "warn", "error"]);
  deepEqual(run("debug"), ["debug", "info", "warn", "error"]);
  deepEqual(run("info"), ["info", "warn", "error"]);
  deepEqual(run("warn"), ["warn", "error"]);
  deepEqual(run("error"), ["error"]);
  deepEqual(run("off"), []);
});

test("log: uptime that is not a positive finite number prints as 0 (text and JSON)", () => {
  for (const uptimeMs of [Infinity, -Infinity, -5, -0.5, NaN, 0]) {
    equal(formatText(rec({ uptimeMs, fields: {} })), "[    0.000] cloud          broker.connected", String(uptimeMs));
    equal(formatJson(rec({ uptimeMs, fields: {} })), '{"t":0,"level":"info","phase":"cloud","event":"broker.connected"}', String(uptimeMs));
  }
  equal(formatText(rec({ uptimeMs: 1000, fields: {} })), "[    1.000] cloud          broker.connected");
  equal(formatText(rec({ uptimeMs: 99_999_999_999, fields: {} })), "[99999999.999] cloud          broker.connected");
});

test("log: NEL, line and paragraph separators are written as \\u escapes; NaN and booleans as text", () => {
  equal(formatText(rec({ fields: { a: "x\u0085y", b: "\u2029", n: NaN, f: false } })),
    '[   12.345] cloud          broker.connected a="x\\u0085y" b="\\u2029" n=NaN f=false');
  equal(formatText(rec({ fields: { nb: "a\u00a0b", th: "a\u2009b", bom: "\ufeff", del: "\u007f", ok: "a\u00e9b" } })),
    '[   12.345] cloud          broker.connected nb="a\u00a0b" th="a\u2009b" bom="\ufeff" del="\u007f" ok=a\u00e9b');
});

test("log: a field renamed away from a header key never collides with a field of that name", () => {
  const line = formatJson(rec({ fields: { t: 1, _t: 2, level: 3, _level: 4, __level: 5 } }));
  equal(line, '{"t":12345,"level":"info","phase":"cloud","event":"broker.connected","__t":1,"_t":2,"___level":3,"_level":4,"__level":5}');
  deepEqual(Object.keys(JSON.parse(line) as object).length, 9);
});

test("log: uptime milliseconds always print as three digits", () => {
  const at = (uptimeMs: number): string => formatText(rec({ uptimeMs, fields: {} })).slice(0, 11);
  deepEqual([5, 9, 10, 11, 50, 99, 100, 101, 999, 1000, 1010, 1100].map(at), [
    "[    0.005]", "[    0.009]", "[    0.010]", "[    0.011]", "[    0.050]", "[    0.099]", "[    0.100]", "[    0.101]", "[    0.999]", "[    1.000]", "[    1.010]", "[    1.100]",
  ]);
});

test("log: consecutive lines in the same millisecond get a new head when the phase changes, and a new uptime when it moves", () => {
  equal(formatText(rec({ uptimeMs: 500, phase: "connect", fields: {} })), "[    0.500] connect        broker.connected");
  equal(formatText(rec({ uptimeMs: 500, phase: "operational", fields: {} })), "[    0.500] operational    broker.connected");
  equal(formatText(rec({ uptimeMs: 501, phase: "operational", fields: {} })), "[    0.501] operational    broker.connected");
});
