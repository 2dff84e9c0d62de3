// Malformed input on every inbound topic kind, fed to the state machine in the state that awaits
// that topic: no state change, no storage, no connect; at most one error report on entity topics.
import { assert, equal, test } from "../harness";
import { AC, CERT_PEM, DID, Rig, activationRig, toOperational } from "./onboarding-kit";

const P = "home1/gw1/" + DID;
const big = "x".repeat(4100);

/** Generic junk that is never a valid message of any kind. */
const generic: string[] = [
  "", " ", "{", "}", "[", "[]", "null", "true", "false", "0", "42", "\"str\"", "{\"timestamp\":", "{'type':'x'}",
  "{\"type\":\"set\",\"value\":\"on\"", "undefined", "NaN", "{}", "{\"value\":{}}", "[{\"type\":\"set\"}]",
  `{"type":"set","value":"${big}"}`, `{"type":"x","pad":"${"é".repeat(2100)}"}`, "\u0000", "{\"__proto__\":{\"polluted\":1}}",
  "{\"type\":null,\"value\":null}", "{\"type\":[],\"value\":[]}", "{\"type\":{},\"value\":{}}", "{\"type\":1,\"value\":1}",
  "\uFEFF{}", "{\"type\":\"set\"}}", "{\"a\":1}garbage", "{\"type\":\"\\u0000\"}",
];


function expectNoChange(r: Rig, topic: string, payloads: string[], allowErrorReport: boolean): void {
  equal(payloads.length >= 30, true, `at least 30 malformed inputs for ${topic}`);
  for (const p of payloads) {
    const before = JSON.stringify(r.state);
    r.message(topic, p);
    equal(JSON.stringify(r.state), before, `state changed by ${JSON.stringify(p.slice(0, 60))} on ${topic}`);
    const actions = r.actions;
    if (allowErrorReport) {
      assert(actions.length === 1 && actions[0]?.kind === "mqtt_publish", `one error report for ${JSON.stringify(p.slice(0, 60))}`);
      const pub = actions[0];
      if (pub.kind === "mqtt_publish") equal((JSON.parse(pub.payload) as { type: string }).type, "error");
    } else {
      equal(actions.length, 0, `effects for ${JSON.stringify(p.slice(0, 60))}: ${JSON.stringify(actions.map((a) => a.kind))}`);
    }
    assert(r.logs().length > 0, "every rejected input is logged");
  }
  equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
}

const cred = (value: unknown, type = "mqtt_credentials") => JSON.stringify({ timestamp: 1, type, value });

test("activation/in (local credentials): malformed replies change nothing", () => {
  const r = activationRig("local");
  expectNoChange(r, `${AC}/activation/in`, [
    ...generic,
    cred(undefined), cred(null), cred("GET_CREDENTIALS"), cred({}), cred({ cert: CERT_PEM, user: "u" }),
    cred({ cert: CERT_PEM, password: "p" }), cred({ user: "u", password: "pw" }), cred({ cert: "not a pem", user: "u", password: "pw" }),
    cred({ cert: CERT_PEM, user: 5, password: "pw" }), cred({ cert: CERT_PEM, user: "u", password: 5 }), cred({ cert: CERT_PEM, user: "", password: "pw" }),
    cred({ cert: 1, user: "u", password: "pw" }), cred({ cert: CERT_PEM, user: "u", password: "pw" }, "broker_data"),
    cred({ cert: CERT_PEM, user: "u", password: "pw" }, "wifi_credentials"), cred([CERT_PEM, "u", "pw"]),
  ], false);
  equal(r.state.phase, "activate_local");
});

test("activation/in (cloud broker_data): malformed replies change nothing", () => {
  const r = activationRig("cloud");
  const bd = (value: unknown) => cred(value, "broker_data");
  const good = { broker_ip: "cloud.example", device_certificate: CERT_PEM, user: "u", password: "pw-123456" };
  expectNoChange(r, `${AC}/activation/in`, [
    ...generic,
    bd(null), bd({}), bd({ ...good, broker_ip: "" }), bd({ ...good, broker_ip: "a b" }), bd({ ...good, broker_ip: "host:0" }),
    bd({ ...good, broker_ip: "host:70000" }), bd({ ...good, broker_ip: "host/x" }), bd({ ...good, broker_ip: 1234 }),
    bd({ ...good, broker_ip: "[::1" }), bd({ ...good, device_certificate: "-----BEGIN CERTIFICATE-----" }),
    bd({ ...good, device_certificate: undefined }), bd({ ...good, user: null }), bd({ ...good, password: [] }),
    bd({ error: "something_else" }), bd({ error: 1 }), cred(good, "mqtt_credentials"),
  ], false);
  equal(r.state.phase, "activate_cloud");
});

test("wifi/in (guest flow): malformed replies change nothing", () => {
  const r = activationRig("guest");
  r.message(`${AC}/activation/in`, cred({ cert: CERT_PEM, user: "u", password: "pw-123456" }));
  equal(r.state.step, "wifi");
  const w = (value: unknown, type = "wifi_credentials") => JSON.stringify({ timestamp: 1, type, value });
  expectNoChange(r, `${AC}/wifi/in`, [
    ...generic,
    w(null), w({}), w({ SSID: "", password: "12345678" }), w({ SSID: "x".repeat(33), password: "12345678" }),
    w({ SSID: "Home", password: "short" }), w({ SSID: "Home", password: "x".repeat(64) }), w({ SSID: 5, password: "12345678" }),
    w({ ssid: "Home", password: "12345678" }), w({ SSID: "Home" }), w({ password: "12345678" }),
    w({ SSID: "Home", password: 12345678 }), w({ SSID: "Home", password: "12345678" }, "mqtt_credentials"), w("GET_WIFI_CREDENTIALS"),
  ], false);
  equal(r.state.phase, "activate_local");
});

test("home/in (home_prefix and rename): malformed messages change nothing", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, cred({ broker_ip: "cloud.example", device_certificate: CERT_PEM, user: "u", password: "pw-123456" }, "broker_data"));
  r.connected();
  equal(r.state.phase, "home_prefix");
  const hp = (value: unknown, type = "home_prefix") => JSON.stringify({ timestamp: 1, type, value });
  const payloads = [
    ...generic,
    hp(null), hp({}), hp({ home_id: "h" }), hp({ gateway_id: "g" }), hp({ home_id: "", gateway_id: "g" }), hp({ home_id: "h/x", gateway_id: "g" }),
    hp({ home_id: "h", gateway_id: "g+" }), hp({ home_id: "#", gateway_id: "g" }), hp({ home_id: "h h", gateway_id: "g" }),
    hp({ home_id: "x".repeat(65), gateway_id: "g" }), hp({ home_id: 1, gateway_id: "g" }), hp({ home_id: "h", gateway_id: "g\u0000" }),
    hp({ home_id: "h", gateway_id: "g" }, "rename_device"), hp({ home_id: "h", gateway_id: "g" }, "unknown"), hp([{ home_id: "h", gateway_id: "g" }]),
  ];
  expectNoChange(r, `${DID}/home/in`, payloads, false);
  equal(r.state.phase, "home_prefix");

  const o = new Rig();
  toOperational(o);
  const rn = (value: unknown) => JSON.stringify({ timestamp: 1, type: "rename_device", value });
  expectNoChange(o, `${DID}/home/in`, [
    ...generic,
    rn(null), rn({}), rn({ device_id: DID }), rn({ device_id: DID, device_name: "" }), rn({ device_id: DID, device_name: 5, group_id: [] }),
    rn({ device_id: DID, device_name: "n", group_id: "g" }), rn({ device_id: DID, device_name: "n", group_id: ["a/b"] }),
    rn({ device_id: DID, device_name: "n", group_id: [1] }), rn({ device_id: "x/y", device_name: "n", group_id: [] }),
    rn({ device_id: DID, device_name: "x".repeat(65), group_id: [] }), rn({ device_id: DID, device_name: "a\u0001b", group_id: [] }),
  ], false);
});

test("entity command /in: malformed commands yield exactly one error report and change nothing", () => {
  const r = new Rig();
  toOperational(r);
  const c = (type: unknown, value?: unknown) => JSON.stringify(value === undefined ? { timestamp: 1, type } : { timestamp: 1, type, value });
  expectNoChange(r, `${P}/switch/in`, [
    ...generic,
    c("set"), c("unknown", "on"), c("", "on"), c(5, "on"), c(null, "on"), c(["set"], "on"), c("SET", "on"), c("set ", "on"),
    c("toggle", "on"), c("delete", "x"),
  ], true);
  equal(r.state.phase, "operational");
});

test("remove/in: every form but the control \"true\" is rejected with one error and changes nothing", () => {
  const r = new Rig();
  toOperational(r);
  const rm = (type: unknown, value?: unknown) => JSON.stringify(value === undefined ? { timestamp: 1, type } : { timestamp: 1, type, value });
  expectNoChange(r, `${P}/remove/in`, [
    ...generic,
    rm("control", "false"), rm("control", false), rm("control", "yes"), rm("control", 1), rm("control", "True"), rm("control", null),
    rm("set", "true"), rm("query", "true"), rm("control", ["true"]), rm("control", { value: "true" }), rm("control"),
  ], true);
  equal(r.state.phase, "operational");
});

test("about/in: malformed queries yield one error report and change nothing", () => {
  const r = new Rig();
  toOperational(r);
  const q = (type: unknown, value?: unknown) => JSON.stringify(value === undefined ? { timestamp: 1 } : { timestamp: 1, type, value });
  expectNoChange(r, `${P}/about/in`, [...generic, q("set", "x"), q("control", "true"), q(5, 1), q(undefined)], true);
});
