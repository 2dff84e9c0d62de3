// The secrets scan (scripts/scan-logs.ts) finds what it must: a planted secret, an unmasked
// password field, a PEM block; and passes clean logs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const scan = (dir: string) => spawnSync(process.execPath, ["--import", "tsx", "scripts/scan-logs.ts", dir], { encoding: "utf8" });

test("scan-logs: clean logs pass; a planted code, an unmasked password field or a PEM block fail", () => {
  const dir = mkdtempSync(join(tmpdir(), "mqtt2go-scan-"));
  try {
    writeFileSync(join(dir, "a.secrets"), JSON.stringify("AC-planted-0042") + "\n");
    writeFileSync(join(dir, "a.log"), "+ 1ms device boot code=******42 password=******xy\n");
    let r = scan(dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 log files, 1 lines, 1 known secrets: 0 findings/);
    for (const leak of ["topic=AC-planted-0042/activation/in", "password=hunter2-plain", "{\"passphrase\":\"open sesame\"}", "-----BEGIN PRIVATE " + "KEY-----"]) {
      writeFileSync(join(dir, "b.log"), `+ 2ms device x ${leak}\n`);
      r = scan(dir);
      assert.equal(r.status, 1, `not found: ${leak}\n${r.stdout}`);
      assert.match(r.stdout, /LEAK b\.log:1/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
