import { test, assert, equal, deepEqual } from "../harness";
import { labelPayload, parseLabelPayload } from "../../src/core/label";

const err = (text: string): string => {
  const r = parseLabelPayload(text);
  assert(!r.ok, `should refuse ${JSON.stringify(text)}`);
  return r.ok ? "" : r.error;
};

test("a label payload round-trips, white space around it ignored", () => {
  const ids = { deviceId: "dev-socket-0001", activationCode: "1K7YcmOzWlnk", deviceType: "socket" };
  equal(labelPayload(ids), "MQTT2GO:dev-socket-0001:1K7YcmOzWlnk:socket");
  deepEqual(parseLabelPayload(labelPayload(ids)), { ok: true, value: ids });
  deepEqual(parseLabelPayload(`  ${labelPayload(ids)}\n`), { ok: true, value: ids });
});

test("foreign QR codes are told apart from broken MQTT2GO labels", () => {
  for (const foreign of ["https://example.com/x", "WIFI:S:home;T:WPA;P:secret;;", "mqtt2go:a:12345678:b", "MQTT2GO", "hello"]) {
    assert(/not an MQTT2GO label/.test(err(foreign)), foreign);
  }
  assert(/empty/.test(err("   ")));
  assert(/4 parts.*has 3/.test(err("MQTT2GO:dev-1:12345678")));
  assert(/4 parts.*has 5/.test(err("MQTT2GO:dev-1:12345678:socket:extra")));
  assert(/device id/.test(err("MQTT2GO::12345678:socket")));
  assert(/device id/.test(err("MQTT2GO:a/b:12345678:socket")));
  assert(/device id/.test(err("MQTT2GO:a+#:12345678:socket")));
  assert(/activation code/.test(err("MQTT2GO:dev-1:short:socket")));
  assert(/device type/.test(err("MQTT2GO:dev-1:12345678:so cket")));
  assert(/too long/.test(err("MQTT2GO:" + "a".repeat(300))));
});

test("a refusal never repeats the activation code", () => {
  for (const bad of ["MQTT2GO:a/b:Secret123Code:socket", "MQTT2GO:dev-1:Secret123Code:bad type", "MQTT2GO:dev-1:Secret123Code:socket:x"]) {
    assert(!err(bad).includes("Secret123Code"), bad);
  }
});

test("the longest label (three 64-character ids, 202 characters) is read; one more character is too long", () => {
  const ids = { deviceId: "d".repeat(64), activationCode: "a".repeat(64), deviceType: "t".repeat(64) };
  const text = labelPayload(ids);
  equal(text.length, 202);
  deepEqual(parseLabelPayload(text), { ok: true, value: ids });
  equal(err(`${text}t`), "This MQTT2GO label is too long to be valid.");
});
