// Development PKI for the stack: a CA, broker server certificates, per-unit factory identities
// and operational device certificates (PROTOCOL §1, §5). RSA 2048 keys from Node's crypto,
// certificates built and signed (SHA-256) with node-forge.
// Moddable's TLS client constraints shape this: the server must send leaf + CA (see `chainPem`),
// names are checked against the SAN only, the client key must be PKCS#8 DER.

import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import forge from "node-forge";
import { isActivationCode, isId } from "../src/core/ids";
import { labelPayload } from "../src/core/label";
import { issueClientCert } from "./x509";

export interface CertAndKey {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

export type Ca = CertAndKey;

export interface ServerCert extends CertAndKey {
  /** Leaf followed by the CA: what a TLS server must send to a Moddable client. */
  chainPem: string;
}

/** One unit's factory data (PROTOCOL §1). */
export interface FactoryIdentity {
  deviceId: string;
  activationCode: string;
  deviceType: string;
  /** `MQTT2GO:<device_id>:<activation_code>:<device_type>` */
  qr: string;
  certPem: string;
  /** PKCS#8 PEM of the factory private key. */
  keyPem: string;
}

/** The on-disk `identity.json`: names the files beside it; never holds the private key. */
export interface IdentityJson {
  development_only: true;
  device_id: string;
  activation_code: string;
  device_type: string;
  qr: string;
  certificate: string;
  certificate_der: string;
  private_key: string;
  private_key_der: string;
}

export const DEFAULT_SERVER_DNS_NAMES: readonly string[] = ["localhost", "MQTT2GO.local", "mqtt2go.local"];
/** 10.0.2.2: the host's loopback as QEMU's user-mode network shows it to an emulated unit. */
export const DEFAULT_SERVER_IPS: readonly string[] = ["127.0.0.1", "10.0.2.2"];
export const DEV_CERTS_DIR = fileURLToPath(new URL("../certs/dev", import.meta.url));
export const GENERATED_CERTS_DIR = fileURLToPath(new URL("../certs/generated", import.meta.url));

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const DAY_MS = 86_400_000;

export function qrPayload(deviceId: string, activationCode: string, deviceType: string): string {
  return labelPayload({ deviceId, activationCode, deviceType });
}

/** `length` characters of [A-Za-z0-9] from the CSPRNG. */
export function randomAlphanumeric(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return s;
}

export function randomActivationCode(): string {
  return randomAlphanumeric(12);
}

function rsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** A positive 16-byte serial without a leading zero byte. */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x10;
  return b.toString("hex");
}

function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  // X.509 switches to GeneralizedTime in 2050; stay with UTCTime, which every parser takes.
  cert.validity.notAfter = new Date(Math.min(now + days * DAY_MS, Date.UTC(2049, 11, 31)));
}

interface SignRequest {
  subjectCn: string;
  subjectPublicKeyPem: string;
  extensions: object[];
  days: number;
  issuer?: Ca;
  /** Only for a self-signed CA. */
  selfKeyPem?: string;
}

function sign(req: SignRequest): string {
  const cert = forge.pki.createCertificate();
  cert.serialNumber = serialNumber();
  cert.publicKey = forge.pki.publicKeyFromPem(req.subjectPublicKeyPem);
  validity(cert, req.days);
  const subject = [{ name: "commonName", value: req.subjectCn }, { name: "organizationName", value: "MQTT2GO development (not for production)" }];
  cert.setSubject(subject);
  let signingKeyPem: string;
  const extensions: object[] = [...req.extensions, { name: "subjectKeyIdentifier" }];
  if (req.issuer) {
    const issuerCert = forge.pki.certificateFromPem(req.issuer.certPem);
    cert.setIssuer(issuerCert.subject.attributes);
    extensions.push({ name: "authorityKeyIdentifier", keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() });
    signingKeyPem = req.issuer.keyPem;
  } else {
    cert.setIssuer(subject);
    // A self-signed CA names its own key too: the Moddable TLS client fails on a CA without an AKI.
    extensions.push({ name: "authorityKeyIdentifier", keyIdentifier: cert.generateSubjectKeyIdentifier().getBytes() });
    signingKeyPem = req.selfKeyPem ?? "";
  }
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(signingKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export function createCa(commonName = "MQTT2GO Development CA", days = 20 * 365): Ca {
  const keys = rsaKeyPair();
  const certPem = sign({
    subjectCn: commonName,
    subjectPublicKeyPem: keys.publicKeyPem,
    selfKeyPem: keys.privateKeyPem,
    days,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { certPem, keyPem: keys.privateKeyPem };
}

export interface ServerCertOptions {
  commonName?: string;
  dnsNames?: readonly string[];
  ips?: readonly string[];
  days?: number;
}

export function issueServerCert(ca: Ca, options: ServerCertOptions = {}): ServerCert {
  const keys = rsaKeyPair();
  const altNames = [
    ...(options.dnsNames ?? DEFAULT_SERVER_DNS_NAMES).map((value) => ({ type: 2, value })),
    ...(options.ips ?? DEFAULT_SERVER_IPS).map((ip) => ({ type: 7, ip })),
  ];
  const certPem = sign({
    subjectCn: options.commonName ?? "MQTT2GO development broker",
    subjectPublicKeyPem: keys.publicKeyPem,
    issuer: ca,
    days: options.days ?? 10 * 365,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { certPem, keyPem: keys.privateKeyPem, chainPem: certPem + ca.certPem };
}

function clientExtensions(): object[] {
  return [
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", clientAuth: true },
  ];
}

export interface IdentityOptions {
  deviceType: string;
  deviceId?: string;
  activationCode?: string;
  days?: number;
}

/** A new unit: factory key pair, factory client certificate (CN = device id), activation code, QR payload. */
export function createFactoryIdentity(ca: Ca, options: IdentityOptions): FactoryIdentity {
  const deviceId = options.deviceId ?? `${options.deviceType}-${randomAlphanumeric(8).toLowerCase()}`;
  const activationCode = options.activationCode ?? randomActivationCode();
  if (!isId(deviceId)) throw new Error(`device id ${JSON.stringify(deviceId)} is not a valid id (PROTOCOL §1)`);
  if (!isId(options.deviceType)) throw new Error("device type is not a valid id");
  if (!isActivationCode(activationCode) || !/^[A-Za-z0-9]+$/.test(activationCode)) throw new Error("activation code must be at least 8 characters of [A-Za-z0-9]");
  const keys = rsaKeyPair();
  const certPem = sign({ subjectCn: deviceId, subjectPublicKeyPem: keys.publicKeyPem, issuer: ca, days: options.days ?? 10 * 365, extensions: clientExtensions() });
  return { deviceId, activationCode, deviceType: options.deviceType, qr: qrPayload(deviceId, activationCode, options.deviceType), certPem, keyPem: keys.privateKeyPem };
}

/**
 * The operational device certificate (PROTOCOL §5): issued for the factory key pair's public key
 * (`publicKey` is that key in SPKI PEM, or the factory certificate it is in), naming the device id.
 * Signed with native crypto (x509.ts), off the event loop.
 */
export function issueDeviceCert(ca: Ca, publicKey: string, deviceId: string, days = 365): Promise<string> {
  return issueClientCert(ca, publicKey, deviceId, days);
}

export function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
}

export function privateKeyDer(keyPem: string): Buffer {
  return createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
}

/** The CN of a certificate's subject, if any. */
export function commonName(certPem: string): string | undefined {
  const m = /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(certPem).subject);
  return m ? m[1] : undefined;
}

// ---- files -------------------------------------------------------------------------------

export interface CertsDir {
  dir: string;
  ca: Ca;
  server: ServerCert;
  identities: FactoryIdentity[];
}

const read = (path: string): string => readFileSync(path, "utf8");

export function writeCa(dir: string, ca: Ca): void {
  const d = join(dir, "ca");
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "ca.pem"), ca.certPem);
  writeFileSync(join(d, "ca.der"), pemToDer(ca.certPem));
  writeFileSync(join(d, "ca.key.pem"), ca.keyPem, { mode: 0o600 });
}

export function writeServer(dir: string, server: ServerCert): void {
  const d = join(dir, "server");
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "server.pem"), server.certPem);
  writeFileSync(join(d, "server-chain.pem"), server.chainPem);
  writeFileSync(join(d, "server.key.pem"), server.keyPem, { mode: 0o600 });
}

/** Writes `<dir>/identities/<device_id>/` and returns that folder. */
export function writeIdentity(dir: string, id: FactoryIdentity): string {
  const d = join(dir, "identities", id.deviceId);
  mkdirSync(d, { recursive: true });
  const json: IdentityJson = {
    development_only: true,
    device_id: id.deviceId,
    activation_code: id.activationCode,
    device_type: id.deviceType,
    qr: id.qr,
    certificate: "cert.pem",
    certificate_der: "cert.der",
    private_key: "key.pem",
    private_key_der: "key.der",
  };
  writeFileSync(join(d, "identity.json"), JSON.stringify(json, null, 2) + "\n");
  writeFileSync(join(d, "cert.pem"), id.certPem);
  writeFileSync(join(d, "cert.der"), pemToDer(id.certPem));
  writeFileSync(join(d, "key.pem"), id.keyPem, { mode: 0o600 });
  writeFileSync(join(d, "key.der"), privateKeyDer(id.keyPem), { mode: 0o600 });
  writeFileSync(join(d, "qr.txt"), id.qr + "\n");
  return d;
}

export function loadIdentity(identityDir: string): FactoryIdentity {
  const j = JSON.parse(read(join(identityDir, "identity.json"))) as IdentityJson;
  return {
    deviceId: j.device_id,
    activationCode: j.activation_code,
    deviceType: j.device_type,
    qr: j.qr,
    certPem: read(join(identityDir, j.certificate)),
    keyPem: read(join(identityDir, j.private_key)),
  };
}

export function loadCa(dir: string): Ca {
  return { certPem: read(join(dir, "ca", "ca.pem")), keyPem: read(join(dir, "ca", "ca.key.pem")) };
}

/** A certs folder as `gen-certs` writes it: `ca/`, `server/`, `identities/<id>/`. */
export function loadCertsDir(dir: string = DEV_CERTS_DIR): CertsDir {
  const server: ServerCert = {
    certPem: read(join(dir, "server", "server.pem")),
    chainPem: read(join(dir, "server", "server-chain.pem")),
    keyPem: read(join(dir, "server", "server.key.pem")),
  };
  const idRoot = join(dir, "identities");
  const identities = existsSync(idRoot)
    ? readdirSync(idRoot, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => loadIdentity(join(idRoot, e.name)))
    : [];
  return { dir, ca: loadCa(dir), server, identities };
}
