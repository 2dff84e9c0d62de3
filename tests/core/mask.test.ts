import { test, assert, equal, deepEqual } from "../harness";
import { MAX_LOG_STRING, SECRET_FIELDS, isSecretField, mask, maskFields } from "../../src/core/mask";

function pem(label: string, n: number): string {
  return `-----BEGIN ${label}-----\n${"MIIB".repeat(n)}\n-----END ${label}-----\n`;
}

/** Every substring of `secret` longer than 2 characters. */
function leaks(text: string, secret: string): boolean {
  for (let i = 0; i + 3 <= secret.length; i++) if (text.includes(secret.slice(i, i + 3))) return true;
  return false;
}

test("mask: at most the last 2 characters, behind a fixed run of 6 stars", () => {
  equal(mask("abcdef12"), "******12");
  equal(mask("s3cr3t-passphrase-9f"), "******9f");
  equal(mask("abcdef"), "******ef");
  equal(mask("abcde"), "******");
  equal(mask("ab"), "******");
  equal(mask(""), "******");
  equal(mask("x".repeat(5000)).length, 8, "length does not depend on the secret");
});

test("mask: never more than 2 characters of the secret for any length", () => {
  const secret = "Qw9#zLp0_vR7!mK2xY5";
  for (let n = 0; n <= secret.length; n++) {
    const s = secret.slice(0, n);
    const m = mask(s);
    assert(m.startsWith("******"));
    const shown = m.slice(6);
    assert(shown.length <= 2 && s.endsWith(shown), `${n}: ${m}`);
    if (n < 6) equal(shown, "");
  }
  equal(mask("abcdef\u{1F511}"), "******\u{1F511}", "a surrogate pair is one character");
  equal(mask("abcdefg\u{1F511}").length, 8);
});

test("mask: SECRET_FIELDS lists the §10 secrets; matching ignores case and catches suffixes", () => {
  for (const f of ["password", "pass", "passphrase", "key", "private_key", "activation_code", "code", "ac", "clientKey", "token"])
    assert(SECRET_FIELDS.includes(f), f);
  for (const f of [...SECRET_FIELDS, "PASSWORD", "Token", "wifi_password", "mqttPassword", "privateKey", "api_secret", "activationCode"])
    assert(isSecretField(f), f);
  for (const f of ["host", "port", "user", "ssid", "deviceId", "reason", "cert", "topic", "keepAlive"])
    assert(!isSecretField(f), f);
});

const SECRETS: Record<string, string> = {
  password: "pw-7Hq2Lz9xW",
  pass: "pass-4Kd8Rt",
  passphrase: "phrase-Zx81Qa",
  key: "key-Mm02Pq77",
  private_key: "pk-Tt55Yy66",
  activation_code: "AC-ABCD1234",
  code: "code-Gh67Jk",
  ac: "ac-Er45Ui89",
  clientKey: "ck-Nb12Vc34",
  token: "tok-Lp90Ok88",
  wifi_password: "wifi-Qa12Ws",
  Password: "cap-Rf34Tg56",
};

test("maskFields: no secret field value survives (each shows at most its last 2 characters)", () => {
  const out = maskFields(SECRETS);
  deepEqual(Object.keys(out), Object.keys(SECRETS));
  for (const [k, secret] of Object.entries(SECRETS)) {
    const v = out[k];
    equal(v, "******" + secret.slice(-2), k);
    assert(!leaks(String(v), secret), k);
  }
  equal(maskFields({ code: 12345678 }).code, "******78");
  equal(maskFields({ token: true }).token, "******");
  equal(maskFields({ key: null }).key, "null", "an absent secret may say so");
});

test("maskFields: secrets nested in objects and arrays are masked inside the JSON text", () => {
  const out = maskFields({
    value: { user: "u1", password: "sekret-123456" },
    list: [{ token: "abcdefghij" }, { name: "n", activation_code: "ACTCODE-987" }],
    deep: { a: { b: { clientKey: "Vq7Zw3Xk55" } } },
    creds: { broker_ip: "h:1", device_certificate: pem("CERTIFICATE", 40) },
  });
  equal(out.value, '{"user":"u1","password":"******56"}');
  equal(out.list, '[{"token":"******ij"},{"name":"n","activation_code":"******87"}]');
  equal(out.deep, '{"a":{"b":{"clientKey":"******55"}}}');
  equal(out.creds, `{"broker_ip":"h:1","device_certificate":"PEM(${pem("CERTIFICATE", 40).length} chars)"}`);
  const text = JSON.stringify(out);
  for (const s of ["sekret-123456", "abcdefghij", "ACTCODE-987", "Vq7Zw3Xk55"]) assert(!leaks(text, s), s);
  equal(maskFields({ password: { nested: "object-secret" } }).password, "******" + '"}');
});

test("maskFields: PEM blocks are abbreviated wherever they appear", () => {
  const cert = pem("CERTIFICATE", 300);
  equal(maskFields({ cert }).cert, `PEM(${cert.length} chars)`);
  const keyPem = pem("PRIVATE KEY", 100);
  equal(maskFields({ blob: keyPem }).blob, `PEM(${keyPem.length} chars)`);
  equal(maskFields({ note: "got " + pem("EC PRIVATE KEY", 2) }).note, `PEM(${("got " + pem("EC PRIVATE KEY", 2)).length} chars)`);
});

test("maskFields: long strings are cut to 120 characters; plain values pass through", () => {
  const long = maskFields({ s: "x".repeat(500) }).s;
  equal(long, "x".repeat(MAX_LOG_STRING - 3) + "...");
  equal(String(long).length, MAX_LOG_STRING);
  equal(maskFields({ s: "y".repeat(120) }).s, "y".repeat(120));
  const big = maskFields({ o: { list: "z".repeat(300) } }).o;
  equal(String(big).length, MAX_LOG_STRING);
  deepEqual(maskFields({ host: "broker.local", port: 8883, ok: true, gone: undefined, nothing: null, bad: NaN }),
    { host: "broker.local", port: 8883, ok: true, nothing: "null", bad: "NaN" });
});

test("maskFields: errors, cycles and functions become short text", () => {
  equal(maskFields({ err: new Error("boom") }).err, "Error: boom");
  const cyc: Record<string, unknown> = { a: 1 };
  cyc.self = cyc;
  equal(maskFields({ cyc }).cyc, "[unserializable]");
  equal(maskFields({ fn: () => "password=hunter2" }).fn, "[function]");
  equal(maskFields({ big: 10n }).big, "10");
});

test("maskFields: secret suffixes match nested keys too (wifi_password, mqttPassword, privateKey)", () => {
  const out = maskFields({
    wifi: { ssid: "HomeNet", wifi_password: "home-pass-123" },
    mqtt: { mqttUser: "u-0001", mqttPassword: "p4ssw0rd-secret" },
    list: [{ privateKey: "k3y-material-zz" }, { ApiSecret: "s3cr3t-value-42" }],
  });
  equal(out.wifi, '{"ssid":"HomeNet","wifi_password":"******23"}');
  equal(out.mqtt, '{"mqttUser":"u-0001","mqttPassword":"******et"}');
  equal(out.list, '[{"privateKey":"******zz"},{"ApiSecret":"******42"}]');
  equal(maskFields({ o: { password: undefined, user: "u" } }).o, '{"user":"u"}', "an undefined secret is left out, as JSON does");
  equal(maskFields({ o: { n: 10n } }).o, '{"n":"10"}', "a nested bigint is text, not a throw");
});

test("maskFields: a secret of any type shows at most 2 characters", () => {
  equal(maskFields({ password: 123456789n }).password, "******89");
  equal(maskFields({ password: 12345678 }).password, "******78");
  equal(maskFields({ password: false }).password, "******");
  equal(maskFields({ password: () => "hunter22" }).password, "******");
  equal(maskFields({ password: Symbol("hunter22") }).password, "******");
  equal(maskFields({ password: { toJSON: () => undefined } }).password, "******");
  const cyc: Record<string, unknown> = { secret: "hunter22" };
  cyc.self = cyc;
  equal(maskFields({ password: cyc }).password, "******");
});

test("mask: half a surrogate pair is never shown as the tail", () => {
  equal(mask("secret-x\u{1F511}y"), "******y");
  equal(mask("abcdef\uDC00y"), "******y", "first low surrogate");
  equal(mask("abcdef\uDFFFy"), "******y", "last low surrogate");
  equal(mask("abcdef\uE000y"), "******\uE000y", "past the low surrogates");
  equal(mask("abcdef\uDBFFy"), "******\uDBFFy", "a high surrogate is not cut");
});

test("maskFields: a long string is cut before a surrogate pair, never inside it", () => {
  const cut = (ch: string, at: number) => maskFields({ s: "a".repeat(at) + ch + "b".repeat(10) }).s;
  equal(cut("\u{10000}", 116), "a".repeat(116) + "...", "U+10000 (high half 0xD800) at the cut");
  equal(cut("\u{10FFFF}", 116), "a".repeat(116) + "...", "U+10FFFF (high half 0xDBFF) at the cut");
  equal(cut("\u{1F511}", 115), "a".repeat(115) + "\u{1F511}...", "the pair ends at the cut: kept whole");
  equal(cut("\uD7FF", 116), "a".repeat(116) + "\uD7FF...", "below the surrogates");
  equal(cut("\uDC00", 116), "a".repeat(116) + "\uDC00...", "a low surrogate alone is not a pair start");
});

test("maskFields: a known secret of 4 characters is found inside text, a 3-character one is not", () => {
  deepEqual(maskFields({ msg: "code abcd here", other: "xyz xyz" }, ["abcd", "xyz"]), { msg: "code ****** here", other: "xyz xyz" });
});

test("maskFields: only a real PEM header abbreviates; odd values become plain text", () => {
  deepEqual(maskFields({ a: "-----BEGIN x", b: "-----BEGIN lower-----", c: "-----BEGIN EC KEY-----" }),
    { a: "-----BEGIN x", b: "-----BEGIN lower-----", c: "PEM(22 chars)" });
  deepEqual(maskFields({ n: null, j: { toJSON: () => undefined }, o: { a: null } }), { n: "null", j: "undefined", o: `{"a":null}` });
});

test("maskFields: a secret field holding null, a boolean or a cycle shows no characters of it", () => {
  const cycle: Record<string, unknown> = { x: "abcdefgh" };
  cycle.self = cycle;
  deepEqual(maskFields({ password: null, token: true, key: false, secret: cycle, code: 123456789, pass: -Infinity, ac: 12345678901234567890n }),
    { password: "null", token: "******", key: "******", secret: "******", code: "******89", pass: "******ty", ac: "******90" });
  deepEqual(maskFields({ cfg: { password: true, token: null, n: 1 } }), { cfg: `{"password":"******","token":"null","n":1}` });
});

test("maskFields: with a longer secret present, a known secret under 4 characters is still left alone", () => {
  deepEqual(maskFields({ msg: "xyz then abcd" }, ["xyz", "abcd"]), { msg: "xyz then ******" });
});

test("maskFields: the shortest known secret is found whatever the order of the list", () => {
  const secrets = ["abcd", "longsecret123"];
  deepEqual(maskFields({ a: "x abcd", b: "longsecret123" }, secrets), { a: "x ******", b: "******23" });
  deepEqual(maskFields({ a: "x abcd" }, ["longsecret123", "abcd"]), { a: "x ******" });
});

test("maskFields: a field named \"undefined\" is an ordinary field", () => {
  deepEqual(maskFields({ undefined: 1, x: "y" }), { undefined: 1, x: "y" });
});

test("maskFields: a secret list changed in place is searched anew (the search is kept by content, not by array)", () => {
  const secrets = ["first-secret-value"];
  const first = maskFields({ note: "says first-secret-value" }, secrets).note;
  assert(typeof first === "string" && !first.includes("first-secret-value"), `leaked: ${String(first)}`);
  secrets.push("second-secret-value");
  const out = maskFields({ note: "says second-secret-value" }, secrets).note;
  assert(typeof out === "string" && !out.includes("second-secret-value"), `leaked: ${String(out)}`);
  secrets[0] = "third-secret-value";
  const third = maskFields({ note: "says third-secret-value" }, secrets).note;
  assert(typeof third === "string" && !third.includes("third-secret-value"), `leaked: ${String(third)}`);
});
