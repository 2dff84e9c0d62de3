// Certificate generator CLI. See certs/README.md.
//   node --import tsx stack/gen-certs.ts ca [--out DIR]
//   node --import tsx stack/gen-certs.ts identity --type socket [--id ID] [--code AC] [--count N] [--certs DIR]
//   node --import tsx stack/gen-certs.ts dev --force      (regenerates the committed certs/dev fixtures)

import { existsSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEV_CERTS_DIR, GENERATED_CERTS_DIR, createCa, createFactoryIdentity, issueServerCert, loadCa, writeCa, writeIdentity, writeServer, type Ca } from "./certs";
import { mask } from "../src/core/mask";
import { writeLabel } from "./label";

const DEV_DEVICE_ID = "dev-socket-0001";
const usage = `usage:
  gen-certs ca [--out DIR]                 new CA + broker server certificate (default DIR: certs/generated/default)
  gen-certs identity --type TYPE [--id ID] [--code CODE] [--count N] [--certs DIR]
                                           new factory identities signed by DIR's CA (created if missing), in DIR/identities/<id>/
                                           with each unit's label (label.svg, label.png)
  gen-certs dev --force                    regenerate the committed development fixtures in certs/dev`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string" }, certs: { type: "string" }, type: { type: "string" }, id: { type: "string" },
    code: { type: "string" }, count: { type: "string" }, force: { type: "boolean" }, help: { type: "boolean", short: "h" },
  },
});

const rel = (p: string): string => relative(process.cwd(), p) || ".";

function newCaDir(dir: string): Ca {
  const ca = createCa();
  writeCa(dir, ca);
  writeServer(dir, issueServerCert(ca));
  console.log(`CA and server certificate written to ${rel(dir)}/ca, ${rel(dir)}/server`);
  return ca;
}

function guardDev(dir: string): void {
  if (resolve(dir) === resolve(DEV_CERTS_DIR) && !values.force) {
    console.error("refusing to write into certs/dev (committed development fixtures) without --force");
    process.exit(2);
  }
}

const command = positionals[0];
if (values.help || !command) {
  console.log(usage);
  process.exit(command ? 0 : 2);
} else if (command === "ca") {
  const dir = resolve(values.out ?? join(GENERATED_CERTS_DIR, "default"));
  guardDev(dir);
  newCaDir(dir);
} else if (command === "identity") {
  if (!values.type) { console.error(usage); process.exit(2); }
  const dir = resolve(values.certs ?? join(GENERATED_CERTS_DIR, "default"));
  guardDev(dir);
  const ca = existsSync(join(dir, "ca", "ca.pem")) ? loadCa(dir) : newCaDir(dir);
  const count = Number(values.count ?? "1");
  if (!Number.isInteger(count) || count < 1 || (count > 1 && (values.id || values.code))) {
    console.error("--count must be a positive integer, and --id/--code only go with a single identity");
    process.exit(2);
  }
  for (let i = 0; i < count; i++) {
    const id = createFactoryIdentity(ca, { deviceType: values.type, deviceId: values.id, activationCode: values.code });
    const at = writeIdentity(dir, id);
    await writeLabel(at, id);
    console.log(`identity ${id.deviceId} (type ${id.deviceType}, code ${mask(id.activationCode)}) and its label written to ${rel(at)}`);
  }
} else if (command === "dev") {
  if (!values.force) { console.error("gen-certs dev replaces the committed fixtures in certs/dev; add --force"); process.exit(2); }
  rmSync(join(DEV_CERTS_DIR, "identities"), { recursive: true, force: true });
  const ca = newCaDir(DEV_CERTS_DIR);
  const id = createFactoryIdentity(ca, { deviceType: "socket", deviceId: DEV_DEVICE_ID });
  const at = writeIdentity(DEV_CERTS_DIR, id);
  await writeLabel(at, id);
  console.log(`development identity and its label written to ${rel(at)}`);
} else {
  console.error(usage);
  process.exit(2);
}
