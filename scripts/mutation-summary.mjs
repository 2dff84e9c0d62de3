// After `stryker run`: the score of src/core and every surviving (or uncovered) mutant, each marked
// as explained when tests/mutation/EQUIVALENT.md lists it. Exit 1 when a survivor is unexplained.
// Usage: node scripts/mutation-summary.mjs [report.json]   (default build/mutation/mutation.json)
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const reportFile = process.argv[2] ?? join(root, "build/mutation/mutation.json");
if (!existsSync(reportFile)) {
  console.log(`no report at ${reportFile}: run npm run test:mutation first`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(reportFile, "utf8"));

/**
 * EQUIVALENT.md lines: "- <file> | `<original>` → `<replacement>` | <why>", or with "in `<context>`" after
 * the replacement when the same pair occurs more than once in the file: the context must be part of the
 * mutant's source line, so one line never explains a different mutant that happens to look the same.
 */
function explained() {
  const out = [];
  const file = join(root, "tests/mutation/EQUIVALENT.md");
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^- (\S+) \| `(.*?)` → `(.*?)`(?: in `(.*?)`)? \| (.+)$/.exec(line);
    if (m) out.push({ file: m[1], original: m[2], replacement: m[3], context: m[4], why: m[5], used: false });
  }
  return out;
}

function snippet(source, loc) {
  const lines = source.split("\n");
  const { start, end } = loc;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const parts = [lines[start.line - 1].slice(start.column - 1)];
  for (let l = start.line; l < end.line - 1; l++) parts.push(lines[l]);
  parts.push(lines[end.line - 1].slice(0, end.column - 1));
  return parts.join("\n");
}

const oneLine = (s) => s.replace(/\s+/g, " ").trim();

/** The context occurs on the mutant's first line and spans the mutated code (all of it on that line). */
function covers(source, loc, context) {
  const line = source.split("\n")[loc.start.line - 1];
  const from = loc.start.column - 1;
  const to = loc.start.line === loc.end.line ? loc.end.column - 1 : line.length;
  for (let i = line.indexOf(context); i >= 0; i = line.indexOf(context, i + 1)) {
    if (i <= from && i + context.length >= to) return true;
  }
  return false;
}
const equivalents = explained();
const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
const open = [], known = [];
for (const [file, data] of Object.entries(report.files).sort()) {
  for (const m of data.mutants) {
    counts[m.status] = (counts[m.status] ?? 0) + 1;
    if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
    const original = oneLine(snippet(data.source, m.location));
    const replacement = oneLine(m.replacement ?? "");
    const where = `${file}:${m.location.start.line}:${m.location.start.column}`;
    const e = equivalents.find((x) => x.file === file && x.original === original && x.replacement === replacement && (x.context === undefined || covers(data.source, m.location, x.context)));
    const line = `${m.status === "NoCoverage" ? "NO COVERAGE" : "SURVIVED"} ${where} ${m.mutatorName}: \`${original.slice(0, 100)}\` → \`${replacement.slice(0, 100)}\``;
    if (e) { e.used = true; known.push(`${line}\n    equivalent: ${e.why}`); } else open.push(line);
  }
}
const detected = counts.Killed + counts.Timeout;
const valid = detected + counts.Survived + counts.NoCoverage;
const score = valid ? (100 * detected) / valid : 0;
const withoutExplained = valid - known.length ? (100 * detected) / (valid - known.length) : 0;
if (known.length) console.log(`explained as equivalent (tests/mutation/EQUIVALENT.md):\n${known.join("\n")}\n`);
if (open.length) console.log(`unexplained survivors:\n${open.join("\n")}\n`);
for (const e of equivalents) if (!e.used) console.log(`note: EQUIVALENT.md lists a mutant this report does not have: ${e.file} \`${e.original}\` → \`${e.replacement}\``);
console.log(`mutants: ${Object.entries(counts).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(", ")}`);
console.log(`mutation score: ${score.toFixed(2)} % (${detected} of ${valid} detected); ${withoutExplained.toFixed(2)} % with the ${known.length} equivalent mutants left out; ${open.length} unexplained survivors`);
process.exitCode = open.length ? 1 : 0;
