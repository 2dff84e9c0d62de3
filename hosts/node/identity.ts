// A unit's factory identity from files: the identity folder layout of certs/ (identity.json +
// certificate and PKCS#8 key, PEM or DER) or single files given on the command line.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FactoryIdentity } from "../../src/core/ports";
import type { TlsMaterial } from "./ports/mqtt";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DEV_IDENTITY_DIR = join(ROOT, "certs/dev/identities/dev-socket-0001");
export const DEV_CA = join(ROOT, "certs/dev/ca/ca.pem");

/** PEM text of a PEM or DER file. */
export function readPem(file: string, label: "CERTIFICATE" | "PRIVATE KEY"): string {
  const raw = readFileSync(file);
  const text = raw.toString("latin1");
  if (text.includes("-----BEGIN ")) return raw.toString("utf8");
  const b64 = raw.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

interface IdentityJson {
  device_id: string;
  activation_code: string;
  device_type: string;
  certificate?: string;
  private_key?: string;
}

export interface UnitFiles {
  identityDir?: string;
  id?: string;
  code?: string;
  type?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface Unit {
  identity: Omit<FactoryIdentity, "discovery">;
  tls: TlsMaterial;
}

/** Command-line values win over the identity folder's. */
export function loadUnit(f: UnitFiles): Unit {
  let json: IdentityJson | undefined;
  const dir = f.identityDir;
  if (dir) json = JSON.parse(readFileSync(join(dir, "identity.json"), "utf8")) as IdentityJson;
  const deviceId = f.id ?? json?.device_id;
  const activationCode = f.code ?? json?.activation_code;
  const deviceType = f.type ?? json?.device_type;
  const cert = f.cert ?? (dir && json?.certificate ? join(dir, json.certificate) : undefined);
  const key = f.key ?? (dir && json?.private_key ? join(dir, json.private_key) : undefined);
  const missing = [
    ["--id", deviceId], ["--code", activationCode], ["--type", deviceType], ["--cert", cert], ["--key", key],
  ].filter(([, v]) => !v).map(([n]) => n);
  if (missing.length) throw new Error(`missing ${missing.join(", ")} (or --identity DIR)`);
  return {
    identity: { deviceId: deviceId as string, activationCode: activationCode as string, deviceType: deviceType as string },
    tls: {
      caPem: readPem(f.ca ?? DEV_CA, "CERTIFICATE"),
      certPem: readPem(cert as string, "CERTIFICATE"),
      keyPem: readPem(key as string, "PRIVATE KEY"),
    },
  };
}
