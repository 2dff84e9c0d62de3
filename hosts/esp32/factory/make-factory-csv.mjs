#!/usr/bin/env node
// Turns one unit's identity folder into the CSV that ESP-IDF's nvs_partition_gen.py turns into
// the image of the read-only "fctry" NVS partition (see hosts/esp32/README.md for the commands).
//
//   node hosts/esp32/factory/make-factory-csv.mjs <identity-dir> --discovery host[:port]
//        [--ca <ca.der|ca.pem>] [--out <dir>] [--namespace mqtt2go]
//
// <identity-dir> holds identity.json ({device_id, activation_code, device_type, optional
// "discovery": "host:port", optional file names "certificate_der"/"certificate",
// "private_key_der"/"private_key", "ca_der"/"ca"}) plus those files (DER or PEM). Without
// names in identity.json: cert.der|cert.pem, key.der|key.pem, and the CA from --ca, else
// ca.der|ca.pem in the folder, else ../../ca/ca.der|ca.pem (the certs/dev layout).
//
// Writes <out>/factory.csv and <out>/{ca,client,client-key}.der (DER; the key as PKCS#8), files
// mode 0600 in a 0700 folder: they hold the unit's private key and activation code. Checks the
// identifiers (PROTOCOL §1), that the certificate was issued by the CA, and that the key matches.

import { Buffer } from "node:buffer";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ID = /^[A-Za-z0-9_.-]{1,64}$/;
const NVS_STRING_MAX = 4000;
const DEFAULT_PORT = 8883;

function fail(message) {
  console.error(`make-factory-csv: ${message}`);
  process.exit(1);
}

function parseDiscovery(text) {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match) fail(`invalid discovery address "${text}" (host[:port])`);
  const host = match[1].startsWith("[") ? match[1].slice(1, -1) : match[1];
  const port = match[2] === undefined ? DEFAULT_PORT : Number(match[2]);
  if (port < 1 || port > 65535) fail(`invalid discovery port ${port}`);
  return { host, port };
}

function firstExisting(paths) {
  return paths.find((path) => path !== undefined && existsSync(path));
}

function readCertificate(path, what) {
  const bytes = readFileSync(path);
  try {
    return new X509Certificate(bytes);
  } catch (error) {
    fail(`${what} ${path}: not a certificate (${error.message})`);
  }
}

function readKey(path) {
  const bytes = readFileSync(path);
  const pem = bytes.subarray(0, 11).toString("latin1") === "-----BEGIN ";
  try {
    return pem ? createPrivateKey(bytes) : createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
  } catch (error) {
    fail(`client key ${path}: not a PEM or PKCS#8 DER private key (${error.message})`);
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    discovery: { type: "string" },
    ca: { type: "string" },
    out: { type: "string" },
    namespace: { type: "string", default: "mqtt2go" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || positionals.length !== 1) {
  console.log("usage: make-factory-csv.mjs <identity-dir> --discovery host[:port] [--ca file] [--out dir] [--namespace ns]");
  process.exit(values.help ? 0 : 2);
}

const folder = resolve(positionals[0]);
const identityPath = join(folder, "identity.json");
if (!existsSync(identityPath)) fail(`${identityPath} not found`);
const identity = JSON.parse(readFileSync(identityPath, "utf8"));

const deviceId = identity.device_id;
const activationCode = identity.activation_code;
const deviceType = identity.device_type;
if (typeof deviceId !== "string" || !ID.test(deviceId)) fail("device_id missing or not 1-64 of [A-Za-z0-9_.-]");
if (typeof activationCode !== "string" || !ID.test(activationCode) || activationCode.length < 8)
  fail("activation_code missing or not 8-64 of [A-Za-z0-9_.-]");
if (typeof deviceType !== "string" || !ID.test(deviceType)) fail("device_type missing or not 1-64 of [A-Za-z0-9_.-]");
if (!/^[A-Za-z0-9_-]{1,15}$/.test(values.namespace)) fail("namespace must be 1-15 of [A-Za-z0-9_-]");

const discoveryText = values.discovery ?? identity.discovery;
if (typeof discoveryText !== "string") fail("no discovery address: pass --discovery host[:port]");
const discovery = parseDiscovery(discoveryText);

const inFolder = (name) => (typeof name === "string" ? join(folder, name) : undefined);
const certPath = firstExisting([inFolder(identity.certificate_der), inFolder(identity.certificate), join(folder, "cert.der"), join(folder, "cert.pem")]);
const keyPath = firstExisting([inFolder(identity.private_key_der), inFolder(identity.private_key), join(folder, "key.der"), join(folder, "key.pem")]);
const caPath = firstExisting([
  values.ca && resolve(values.ca),
  inFolder(identity.ca_der),
  inFolder(identity.ca),
  join(folder, "ca.der"),
  join(folder, "ca.pem"),
  join(folder, "..", "..", "ca", "ca.der"),
  join(folder, "..", "..", "ca", "ca.pem"),
]);
if (!certPath) fail(`no client certificate in ${folder}`);
if (!keyPath) fail(`no client private key in ${folder}`);
if (!caPath) fail("no CA certificate: pass --ca");

const ca = readCertificate(caPath, "CA");
const cert = readCertificate(certPath, "client certificate");
const key = readKey(keyPath);
if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) fail(`client certificate ${certPath} was not issued by CA ${caPath}`);
if (!cert.checkPrivateKey(key)) fail(`private key ${keyPath} does not match client certificate ${certPath}`);

const out = resolve(values.out ?? join(process.cwd(), "factory", deviceId));
mkdirSync(out, { recursive: true, mode: 0o700 });
chmodSync(out, 0o700);
function writePrivate(name, data) {
  const path = join(out, name);
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

const caDer = writePrivate("ca.der", ca.raw);
const clientDer = writePrivate("client.der", cert.raw);
const keyDer = writePrivate("client-key.der", key.export({ type: "pkcs8", format: "der" }));

const strings = [
  ["device_id", deviceId],
  ["activation_code", activationCode],
  ["device_type", deviceType],
  ["disc_host", discovery.host],
];
for (const [name, value] of strings) {
  if (Buffer.byteLength(value) > NVS_STRING_MAX) fail(`${name} longer than ${NVS_STRING_MAX} bytes`);
}
for (const path of [caDer, clientDer, keyDer]) {
  if (/[",\r\n]/.test(path)) fail(`output path ${path} contains a character the CSV cannot hold`);
}

// nvs_partition_gen.py CSV: key,type,encoding,value; "file" + "binary" stores a blob.
const rows = [
  "key,type,encoding,value",
  `${values.namespace},namespace,,`,
  ...strings.map(([name, value]) => `${name},data,string,${value}`),
  `disc_port,data,u16,${discovery.port}`,
  `ca_der,file,binary,${caDer}`,
  `client_der,file,binary,${clientDer}`,
  `client_key_der,file,binary,${keyDer}`,
];
const csv = writePrivate("factory.csv", rows.join("\n") + "\n");

console.log(`wrote ${csv}`);
console.log(`  device ${deviceId} (${deviceType}), discovery ${discovery.host}:${discovery.port}, namespace ${values.namespace}`);
console.log(`  blobs: ca ${ca.raw.length} B, client ${cert.raw.length} B, key ${readFileSync(keyDer).length} B`);
console.log(`  contains the private key and activation code: keep ${out} out of version control`);
console.log(`next: python $IDF_PATH/components/nvs_flash/nvs_partition_generator/nvs_partition_gen.py generate ${csv} ${join(dirname(csv), "factory.bin")} 0x6000`);
