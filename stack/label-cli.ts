// Unit labels for identities already made (gen-certs writes one for every identity it makes).
//   npm run label -- --identity DIR [--identity DIR ...]     DIR: an identity folder (identity.json inside)
//   npm run label -- --certs DIR                             every identity under DIR/identities/
// Writes label.svg and label.png beside identity.json. The activation code is only in the QR code.

import { existsSync, readdirSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { loadIdentity } from "./certs";
import { writeLabel } from "./label";

const HELP = `mqtt2go label — printable unit labels (SVG + PNG) with the QR code MQTT2GO:<device_id>:<activation_code>:<device_type>

  --identity DIR   an identity folder as gen-certs writes it (repeatable)
  --certs DIR      every identity in DIR/identities/
`;

const { values: a } = parseArgs({ options: { identity: { type: "string", multiple: true }, certs: { type: "string" }, help: { type: "boolean", short: "h" } } });
if (a.help) { process.stdout.write(HELP); process.exit(0); }

const rel = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r.startsWith("..") || isAbsolute(r) ? p : r || ".";
};
const dirs = [...(a.identity ?? [])];
if (a.certs) {
  const root = join(a.certs, "identities");
  if (!existsSync(root)) { process.stderr.write(`mqtt2go label: no identities folder in ${a.certs}\n`); process.exit(2); }
  for (const e of readdirSync(root, { withFileTypes: true })) if (e.isDirectory()) dirs.push(join(root, e.name));
}
if (dirs.length === 0) { process.stderr.write(`mqtt2go label: give --identity DIR or --certs DIR\n\n${HELP}`); process.exit(2); }

let failed = 0;
for (const dir of dirs) {
  try {
    if (!existsSync(join(dir, "identity.json"))) throw new Error("no identity.json in it");
    const id = loadIdentity(dir);
    const at = await writeLabel(dir, id);
    process.stdout.write(`label for ${id.deviceId} (type ${id.deviceType}) written to ${rel(at.svg)} and ${rel(at.png)}\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`mqtt2go label: ${rel(dir)}: ${(err as Error).message}\n`);
  }
}
process.exit(failed ? 1 : 0);
