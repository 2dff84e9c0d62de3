// Issue 8 item 8: factory data is checked field by field; only a development build falls back to
// the embedded development identity, a production build refuses to run.
import { assert, equal, test } from "../harness";
import { chooseFactory, factoryProblem, isDerSequence, type FactoryFields } from "../../src/moddable/factory-check";

function der(bodyBytes: number): ArrayBuffer {
  const len = bodyBytes < 128 ? [bodyBytes] : bodyBytes < 256 ? [0x81, bodyBytes] : [0x82, bodyBytes >> 8, bodyBytes & 0xff];
  const u = new Uint8Array(1 + len.length + bodyBytes);
  u[0] = 0x30;
  u.set(len, 1);
  return u.buffer;
}

const good = (): FactoryFields => ({
  deviceId: "socket-0042", activationCode: "Qx7f3k9PzA", deviceType: "socket",
  discovery: { host: "discovery.example.net", port: 8883 },
  caDer: der(600), clientCertificateDer: der(700), clientKeyDer: der(1200),
});

test("factory check: a complete record passes", () => {
  equal(factoryProblem(good()), undefined);
  equal(factoryProblem({ ...good(), discovery: { host: "10.0.0.5", port: 1 } }), undefined);
  equal(factoryProblem({ ...good(), discovery: { host: "fe80::1", port: 65535 } }), undefined);
});

test("factory check: every field is checked, and the problem names the field, never its value", () => {
  const bad: [string, Partial<FactoryFields>][] = [
    ["device_id", { deviceId: "" }], ["device_id", { deviceId: "a/b" }], ["device_id", { deviceId: "x".repeat(65) }],
    ["activation_code", { activationCode: "" }], ["activation_code", { activationCode: "short" }], ["activation_code", { activationCode: "has space1" }],
    ["device_type", { deviceType: "toaster" }], ["device_type", { deviceType: "" }],
    ["disc_port", { discovery: { host: "d.example", port: 0 } }], ["disc_port", { discovery: { host: "d.example", port: 70000 } }],
    ["disc_port", { discovery: { host: "d.example", port: 1.5 } }],
    ["disc_host", { discovery: { host: "", port: 8883 } }], ["disc_host", { discovery: { host: "bad host", port: 8883 } }],
    ["ca_der", { caDer: new ArrayBuffer(0) }], ["ca_der", { caDer: der(600).slice(0, 300) }],
    ["client_der", { clientCertificateDer: Uint8Array.of(0x04, 0x01, 0x00).buffer }],
    ["client_key_der", { clientKeyDer: Uint8Array.of(0x30, 0x05, 0, 0, 0, 0, 0, 0).buffer }],
  ];
  for (const [field, over] of bad) {
    const p = factoryProblem({ ...good(), ...over });
    assert(p !== undefined && p.startsWith(field), `${field} ${JSON.stringify(over).slice(0, 60)}: ${p}`);
    assert(!p.includes("Qx7f3k9PzA"), "no activation code in the problem");
  }
  assert(isDerSequence(der(65535 - 10)));
  assert(!isDerSequence(Uint8Array.of(0x30, 0x85, 1, 1, 1, 1, 1).buffer), "5-byte length refused");
});

test("factory choice: production refuses an unreadable or invalid partition; development falls back; valid data is used either way", () => {
  const missing = (): FactoryFields => { throw new Error("factory partition fctry: ESP_ERR_NOT_FOUND"); };
  const blank = (): FactoryFields => ({ ...good(), deviceId: "", activationCode: "" });
  const corrupt = (): FactoryFields => ({ ...good(), clientKeyDer: new ArrayBuffer(3) });
  for (const read of [missing, blank, corrupt]) {
    const prod = chooseFactory(read, false);
    equal(prod.use, "refuse");
    const dev = chooseFactory(read, true);
    equal(dev.use, "development");
  }
  equal(chooseFactory(missing, false).use === "refuse" && (chooseFactory(missing, false) as { problem: string }).problem, "factory partition fctry: ESP_ERR_NOT_FOUND");
  for (const development of [false, true]) {
    const c = chooseFactory(good, development);
    equal(c.use, "factory");
    if (c.use === "factory") equal(c.record.deviceId, "socket-0042");
  }
});
