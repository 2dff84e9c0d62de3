// Unit labels (PROTOCOL §1): the QR code decodes (with jsQR, as the controller page does) to the
// unit's payload; the device id and type are printed; the activation code never is.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { DEV_CERTS_DIR, loadIdentity } from "../../stack/certs";
import { labelSvg, makeLabel } from "../../stack/label";

const root = new URL("../..", import.meta.url).pathname;
const node = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: root, encoding: "utf8" });

/** The QR payload a PNG holds (jsQR on its RGBA pixels), or undefined. */
function decodePng(png: Buffer): string | undefined {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), img.width, img.height)?.data;
}

/** Share of dark pixels in a rectangle of the PNG (fractions of its width and height). */
function inkIn(png: Buffer, x0: number, x1: number, y0: number, y1: number): number {
  const img = PNG.sync.read(png);
  let dark = 0, all = 0;
  for (let y = Math.floor(y0 * img.height); y < y1 * img.height; y++) {
    for (let x = Math.floor(x0 * img.width); x < x1 * img.width; x++) {
      const i = (y * img.width + x) * 4;
      all++;
      if (img.data[i] < 128) dark++;
    }
  }
  return dark / all;
}

describe("unit labels", () => {
  test("the PNG's QR code decodes to MQTT2GO:<id>:<code>:<type>; the text shows id and type, never the code", async () => {
    const ids = { deviceId: "light-0042", activationCode: "Zq8Rk2Lm9Tx4", deviceType: "light" };
    const label = await makeLabel(ids);
    assert.equal(label.payload, "MQTT2GO:light-0042:Zq8Rk2Lm9Tx4:light");
    assert.equal(decodePng(label.png), label.payload);
    assert.match(label.svg, />light-0042</);
    assert.match(label.svg, />light</);
    assert.ok(!label.svg.includes(ids.activationCode), "no activation code in the SVG");
    assert.ok(!label.png.includes(Buffer.from(ids.activationCode)), "no activation code in the PNG's bytes");
    // The text column right of the QR code is really drawn (a missing font would leave it blank).
    assert.ok(inkIn(label.png, 0.5, 0.95, 0.15, 0.75) > 0.01, "text pixels in the PNG");
    assert.ok(inkIn(label.png, 0.04, 0.4, 0.1, 0.9) > 0.2, "QR modules in the PNG");
  });

  test("a 64-character device id still fits and decodes", async () => {
    const ids = { deviceId: "x".repeat(40) + "-" + "0123456789abcdefghijklm", activationCode: "AbCdEfGh12", deviceType: "multi_sensor" };
    assert.equal(ids.deviceId.length, 64);
    const label = await makeLabel(ids);
    assert.equal(decodePng(label.png), `MQTT2GO:${ids.deviceId}:AbCdEfGh12:multi_sensor`);
  });

  test("invalid ids make no label", async () => {
    await assert.rejects(labelSvg({ deviceId: "a/b", activationCode: "AbCdEfGh12", deviceType: "socket" }), /not valid/);
    await assert.rejects(labelSvg({ deviceId: "ok", activationCode: "short", deviceType: "socket" }), /not valid/);
  });

  test("gen-certs writes a label for every identity it makes; npm run label redoes one; a bad folder fails clearly", () => {
    const dir = mkdtempSync(join(tmpdir(), "mqtt2go-label-"));
    try {
      const gen = node("stack/gen-certs.ts", "identity", "--type", "socket", "--count", "2", "--certs", dir);
      assert.equal(gen.status, 0, gen.stderr);
      const units = readdirSync(join(dir, "identities"));
      assert.equal(units.length, 2);
      for (const u of units) {
        const at = join(dir, "identities", u);
        const id = loadIdentity(at);
        assert.equal(decodePng(readFileSync(join(at, "label.png"))), id.qr);
        assert.ok(!readFileSync(join(at, "label.svg"), "utf8").includes(id.activationCode));
        assert.ok(!gen.stdout.includes(id.activationCode), "the code is masked in the output");
      }
      const one = join(dir, "identities", units[0]);
      rmSync(join(one, "label.png"));
      const r = node("stack/label-cli.ts", "--identity", one);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`label for ${units[0]} \\(type socket\\) written to .*label\\.svg and .*label\\.png`));
      assert.equal(decodePng(readFileSync(join(one, "label.png"))), loadIdentity(one).qr);
      assert.ok(!r.stdout.includes(loadIdentity(one).activationCode));

      const all = node("stack/label-cli.ts", "--certs", dir);
      assert.equal(all.status, 0, all.stderr);
      assert.equal(all.stdout.trim().split("\n").length, 2);

      writeFileSync(join(dir, "identity.json"), "{not json");
      const bad = node("stack/label-cli.ts", "--identity", dir, "--identity", join(dir, "nothing-here"));
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /identity\.json|JSON/);
      assert.match(bad.stderr, /nothing-here: no identity\.json in it/);
      assert.equal(node("stack/label-cli.ts").status, 2, "no identity given");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the committed development unit's label matches its identity", () => {
    const at = join(DEV_CERTS_DIR, "identities", "dev-socket-0001");
    assert.equal(decodePng(readFileSync(join(at, "label.png"))), loadIdentity(at).qr);
  });
});
