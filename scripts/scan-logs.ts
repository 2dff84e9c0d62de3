// Secrets scan over every log the e2e and fault tests wrote (tests/e2e/log-files.ts): no known secret
// of any run (activation codes, issued passwords, Wi-Fi passphrases, key material) and no
// secret-looking field or PEM block appears in any log line. Exit 1 on any finding.
//   node --import tsx scripts/scan-logs.ts [DIR]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_LOG_DIR } from "../tests/e2e/log-files";

const dir = process.argv[2] ?? TEST_LOG_DIR;
let names: string[] = [];
try { names = readdirSync(dir); } catch { /* no logs */ }
const logs = names.filter((n) => n.endsWith(".log"));
const secrets = new Set<string>();
for (const n of names.filter((x) => x.endsWith(".secrets"))) {
  for (const line of readFileSync(join(dir, n), "utf8").split("\n")) if (line) secrets.add(JSON.parse(line) as string);
}
// Short values would match by chance; every real secret here is 8+ characters.
const known = [...secrets].filter((s) => s.length >= 8);
/** Fields the loggers mask: a value that is not "******…" is a leak. */
const FIELD = /\b(password|pass|passphrase|activation_code|code|key|private_key|token|secret)=("[^"]*"|\S+)/gi;
const JSON_FIELD = /"(password|passphrase|activation_code|code|key|private_key|token|secret)":"([^"]*)"/gi;
const PEM = /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/;

let lines = 0;
const findings: string[] = [];
for (const n of logs) {
  const text = readFileSync(join(dir, n), "utf8").split("\n");
  text.forEach((line, i) => {
    if (!line) return;
    lines++;
    const where = `${n}:${i + 1}`;
    for (const s of known) if (line.includes(s)) findings.push(`${where}: a known secret (…${s.slice(-2)}, ${s.length} chars)`);
    for (const m of line.matchAll(FIELD)) if (!m[2].replace(/^"|"$/g, "").startsWith("******")) findings.push(`${where}: unmasked ${m[1]}=`);
    for (const m of line.matchAll(JSON_FIELD)) if (!m[2].startsWith("******")) findings.push(`${where}: unmasked "${m[1]}"`);
    if (PEM.test(line)) findings.push(`${where}: PEM block`);
  });
}
for (const f of findings.slice(0, 50)) console.log(`LEAK ${f}`);
console.log(`secrets scan: ${logs.length} log files, ${lines} lines, ${known.length} known secrets: ${findings.length} findings`);
process.exitCode = findings.length > 0 || (logs.length > 0 && known.length === 0) ? 1 : 0;
