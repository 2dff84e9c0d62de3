// Certificates signed with native crypto (Node's WebCrypto) through @peculiar/x509: the operational
// device certificates the cloud and gateway issue at every activation, and fleet identities by the
// thousand. node-forge's pure-JS RSA signing blocked the event loop 40–58 ms per certificate.
// The CA and broker certificates (made once, by gen-certs) stay in certs.ts.

import { X509Certificate as NodeX509, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, webcrypto } from "node:crypto";
type CryptoKey = webcrypto.CryptoKey;
import "reflect-metadata"; // @peculiar/x509 (tsyringe) needs it loaded first
import * as x509 from "@peculiar/x509";
import { isId } from "../src/core/ids";
import { qrPayload, type Ca, type FactoryIdentity } from "./certs";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

const DAY_MS = 86_400_000;
const ORG = "MQTT2GO development (not for production)";
const RSA_SHA256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;

/** A CA ready to sign: its key imported once, its name and key identifier parsed once. */
export interface Signer {
  caPem: string;
  issuer: x509.Name;
  keyId: string;
  key: CryptoKey;
  algorithm: typeof RSA_SHA256 | typeof ECDSA_SHA256;
}

const signers = new WeakMap<Ca, Promise<Signer>>();

export function signerFor(ca: Ca): Promise<Signer> {
  let s = signers.get(ca);
  if (!s) {
    s = (async () => {
      const cert = new x509.X509Certificate(ca.certPem);
      const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
      if (!ski) throw new Error("the CA certificate has no subjectKeyIdentifier");
      const pkcs8 = createPrivateKey(ca.keyPem).export({ type: "pkcs8", format: "der" });
      const rsa = createPrivateKey(ca.keyPem).asymmetricKeyType === "rsa";
      const algorithm = rsa ? RSA_SHA256 : ECDSA_SHA256;
      const importAlg = rsa ? RSA_SHA256 : { name: "ECDSA", namedCurve: "P-256" };
      const key = await subtle.importKey("pkcs8", pkcs8, importAlg, false, ["sign"]);
      return { caPem: ca.certPem, issuer: new x509.Name(cert.subject), keyId: ski.keyId, key: key, algorithm };
    })();
    signers.set(ca, s);
  }
  return s;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x10;
  return b.toString("hex");
}

/** `CN=<cn>, O=…` with the CN escaped as RFC 4514 asks (ids are [A-Za-z0-9_.-], nothing to escape). */
function subjectName(cn: string): string {
  return `CN=${cn}, O=${ORG}`;
}

/**
 * A TLS client certificate for `publicKey` (SPKI DER, or a PEM certificate / public key it is in),
 * naming `deviceId`, signed by the CA. PROTOCOL §5: issued for the factory key pair.
 */
export async function issueClientCert(ca: Ca, publicKey: string | Buffer, deviceId: string, days = 365): Promise<string> {
  if (!isId(deviceId)) throw new Error("device id is not a valid id");
  const signer = await signerFor(ca);
  const spki = typeof publicKey === "string"
    ? createPublicKey(publicKey).export({ type: "spki", format: "der" })
    : publicKey;
  const now = Date.now();
  const pub = new Uint8Array(spki);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: subjectName(deviceId),
    issuer: signer.issuer,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(Math.min(now + days * DAY_MS, Date.UTC(2049, 11, 31))),
    publicKey: pub,
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await skiExtension(pub),
      new x509.AuthorityKeyIdentifierExtension(signer.keyId),
    ],
  });
  return cert.toString("pem") + "\n";
}

/** A factory identity's key pair: ECDSA P-256 (key generation in microseconds, unlike RSA 2048). */
export function ecKeyPair(): Promise<{ spkiDer: Buffer; keyPem: string }> {
  const { publicKey, privateKey } = generateKeyPairSync("ec", {
    namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return Promise.resolve({ spkiDer: publicKey, keyPem: privateKey });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits; for an EC key that is its point 04‖x‖y. */
async function skiExtension(spki: Uint8Array): Promise<x509.SubjectKeyIdentifierExtension> {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).export({ format: "jwk" });
  if (jwk.kty === "EC" && jwk.crv === "P-256" && jwk.x && jwk.y) {
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]);
    return new x509.SubjectKeyIdentifierExtension(createHash("sha1").update(point).digest("hex"));
  }
  return x509.SubjectKeyIdentifierExtension.create(spki);
}

/** True when `certPem` was signed by the CA (for tests and sanity checks). */
export function signedBy(certPem: string, caPem: string): boolean {
  const c = new NodeX509(certPem), ca = new NodeX509(caPem);
  return c.checkIssued(ca) && c.verify(ca.publicKey);
}

/**
 * A unit's factory identity made natively (ECDSA P-256 key, factory certificate CN = device id):
 * thousands in seconds, for fleet runs. `createFactoryIdentity` (certs.ts) makes the RSA ones.
 */
export async function createNativeIdentity(ca: Ca, deviceType: string, deviceId: string, activationCode: string): Promise<FactoryIdentity> {
  const { spkiDer, keyPem } = await ecKeyPair();
  const certPem = await issueClientCert(ca, spkiDer, deviceId, 3650);
  return { deviceId, activationCode, deviceType, qr: qrPayload(deviceId, activationCode, deviceType), certPem, keyPem };
}
