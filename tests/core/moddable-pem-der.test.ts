// PEM → DER of the Moddable MQTT adapter (src/moddable/pem-der.ts): pure ES2022, so it runs on
// both engines here; on the device it converts the certificate issued at activation.
import { test, equal, deepEqual, throws } from "../harness";
import { base64ToBytes, pemToDer } from "../../src/moddable/pem-der";

const bytes = (u: Uint8Array | ArrayBuffer): number[] => Array.from(u instanceof Uint8Array ? u : new Uint8Array(u));

test("base64: RFC 4648 vectors, with and without padding", () => {
  deepEqual(bytes(base64ToBytes("")), []);
  deepEqual(bytes(base64ToBytes("Zg==")), [0x66]);
  deepEqual(bytes(base64ToBytes("Zm8=")), [0x66, 0x6f]);
  deepEqual(bytes(base64ToBytes("Zm9v")), [0x66, 0x6f, 0x6f]);
  deepEqual(bytes(base64ToBytes("Zm9vYmFy")), [0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72]);
  deepEqual(bytes(base64ToBytes("+/8=")), [0xfb, 0xff]);
});

test("base64: whitespace and line breaks are ignored", () => {
  deepEqual(bytes(base64ToBytes(" Zm9v\r\nYmFy\n")), [0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72]);
});

test("base64: bad characters, misplaced padding and bad lengths throw", () => {
  throws(() => base64ToBytes("Zm9-"));
  throws(() => base64ToBytes("Zg==Zm9v"));
  throws(() => base64ToBytes("Zm9vY"));
  throws(() => base64ToBytes("Z==="));
});

const der = [0x30, 0x03, 0x02, 0x01, 0x05]; // SEQUENCE { INTEGER 5 }
const pem = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

test("pemToDer: the bytes of the certificate block", () => {
  const out = pemToDer(pem("MAMCAQU="));
  equal(out.byteLength, der.length);
  deepEqual(bytes(out), der);
});

test("pemToDer: the first block of a chain, text around it ignored", () => {
  const chain = `subject=CN = x\n${pem("MAMCAQU=")}${pem("MAMCAQY=")}`;
  deepEqual(bytes(pemToDer(chain)), der);
});

test("pemToDer: no block, an unterminated block or a body that is not a DER SEQUENCE throws", () => {
  throws(() => pemToDer("MAMCAQU="));
  throws(() => pemToDer("-----BEGIN CERTIFICATE-----\nMAMCAQU=\n"));
  throws(() => pemToDer(pem("AgEF"))); // INTEGER 5, not a SEQUENCE
  throws(() => pemToDer(pem("")));
});
