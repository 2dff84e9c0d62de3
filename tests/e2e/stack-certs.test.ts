// The development PKI: committed fixtures, factory identities, operational certificates, the
// generator CLI (PROTOCOL §1, §5; certs/README.md).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import forge from "node-forge";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { isActivationCode } from "../../src/core/ids";
import { DEV_CERTS_DIR, createCa, createFactoryIdentity, issueDeviceCert, loadCertsDir, writeIdentity } from "../../stack/certs";

const root = new URL("../..", import.meta.url).pathname;

describe("development PKI", () => {
  test("certs/dev: CA, server chain (leaf + CA) with the broker SANs, the default unit", () => {
    const dev = loadCertsDir(DEV_CERTS_DIR);
    const ca = new X509Certificate(dev.ca.certPem);
    assert.ok(ca.ca);
    // The Moddable TLS client throws on a trust anchor without an authorityKeyIdentifier.
    const caForge = forge.pki.certificateFromPem(dev.ca.certPem);
    assert.ok(caForge.getExtension("authorityKeyIdentifier"), "CA carries an AKI");
    const server = new X509Certificate(dev.server.certPem);
    assert.ok(server.verify(ca.publicKey));
    assert.equal(server.subjectAltName, "DNS:localhost, DNS:MQTT2GO.local, DNS:mqtt2go.local, IP Address:127.0.0.1");
    assert.equal(dev.server.chainPem, dev.server.certPem + dev.ca.certPem);
    const unit = dev.identities.find((u) => u.deviceId === "dev-socket-0001");
    assert.ok(unit);
    assert.equal(unit.deviceType, "socket");
    assert.ok(new X509Certificate(unit.certPem).verify(ca.publicKey));
    const json = readFileSync(join(DEV_CERTS_DIR, "identities", "dev-socket-0001", "identity.json"), "utf8");
    assert.ok(!json.includes("PRIVATE KEY"), "no key inside identity.json");
    assert.equal((JSON.parse(json) as { development_only: boolean }).development_only, true);
    // The DER forms a Moddable device takes: certificate, unencrypted PKCS#8 key.
    const der = readFileSync(join(DEV_CERTS_DIR, "identities", "dev-socket-0001", "key.der"));
    assert.equal(createPrivateKey({ key: der, format: "der", type: "pkcs8" }).asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(new X509Certificate(readFileSync(join(DEV_CERTS_DIR, "ca", "ca.der"))).fingerprint256, ca.fingerprint256);
  });

  test("a factory identity: CN = device id, clientAuth, RSA 2048, code and QR payload", () => {
    const ca = loadCertsDir(DEV_CERTS_DIR).ca;
    const id = createFactoryIdentity(ca, { deviceType: "light" });
    assert.match(id.deviceId, /^light-[a-z0-9]{8}$/);
    assert.ok(isActivationCode(id.activationCode) && /^[A-Za-z0-9]{12}$/.test(id.activationCode));
    assert.equal(id.qr, `MQTT2GO:${id.deviceId}:${id.activationCode}:light`);
    const cert = new X509Certificate(id.certPem);
    assert.match(cert.subject, new RegExp(`^CN=${id.deviceId}$`, "m"));
    assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.throws(() => createFactoryIdentity(ca, { deviceType: "light", activationCode: "short" }));
    assert.throws(() => createFactoryIdentity(ca, { deviceType: "light", deviceId: "a/b" }));
  });

  test("the operational certificate is issued for the factory key and names the device", async () => {
    const ca = createCa("Test CA");
    const id = createFactoryIdentity(ca, { deviceType: "socket", deviceId: "op-0001" });
    const issued = new X509Certificate(await issueDeviceCert(ca, id.certPem, id.deviceId));
    assert.ok(issued.publicKey.equals(new X509Certificate(id.certPem).publicKey));
    assert.ok(issued.checkPrivateKey(createPrivateKey(id.keyPem)));
    assert.match(issued.subject, /^CN=op-0001$/m);
    assert.ok(issued.verify(new X509Certificate(ca.certPem).publicKey));
  });

  test("written identities load back; gen-certs writes into certs/generated-like folders, not certs/dev", () => {
    const dir = mkdtempSync(join(tmpdir(), "mqtt2go-certs-"));
    try {
      const gen = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "stack/gen-certs.ts", ...args], { cwd: root, encoding: "utf8" });
      const r = gen("identity", "--type", "socket", "--count", "2", "--certs", dir);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!r.stdout.includes("PRIVATE"));
      const loaded = loadCertsDir(dir);
      assert.equal(loaded.identities.length, 2);
      for (const u of loaded.identities) {
        assert.ok(new X509Certificate(u.certPem).verify(new X509Certificate(loaded.ca.certPem).publicKey));
        assert.ok(!r.stdout.includes(u.activationCode), "the code is masked in the output");
      }
      const extra = createFactoryIdentity(loaded.ca, { deviceType: "socket", deviceId: "extra-0001", activationCode: "ExtraCode123" });
      writeIdentity(dir, extra);
      assert.deepEqual(loadCertsDir(dir).identities.find((u) => u.deviceId === "extra-0001"), extra);
      assert.deepEqual(readdirSync(join(dir, "identities", "extra-0001")).sort(), ["cert.der", "cert.pem", "identity.json", "key.der", "key.pem", "qr.txt"]);
      assert.equal(gen("identity", "--type", "socket", "--certs", DEV_CERTS_DIR).status, 2, "certs/dev needs --force");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
