// What a GNU ld run says, and the relink without stand-ins, for scripts/check-esp32-link.mjs
// (kept apart so that tests/e2e/esp32-link.test.ts can run them on a host linker's real output).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const UNDEFINED = /undefined reference to [`']([^'`]+)'/;
const LD = String.raw`^\S*ld(?:\.\w+)?: `;
const IN_FUNCTION = new RegExp(`${LD}(.+): in function [\`']([^'\`]+)':$`); // the use is in code: the next lines say what
const IN_DATA = new RegExp(`${LD}(.+?):\\(`); // a use in data (a table of pointers) names its object on the line
const NOISE = [
  /: in function [`'][^'`]+':$/,
  /: more undefined references to [`'][^'`]+' follow$/,
  /collect2: error: ld returned \d+ exit status/,
  new RegExp(`${LD}warning: `),
  /warning: .* is not implemented and will always fail$/,
];

/**
 * The linker's verdict, from its stdout + stderr: each undefined symbol with where it is used
 * (`archive(member)` or object), and every other error line (a region overflow, a multiple
 * definition, a missing file...), which fails a link as surely as an undefined symbol does.
 * @param {string} text
 */
export function linkerReport(text) {
  /** @type {Map<string, Set<string>>} */
  const undefinedSymbols = new Map();
  /** @type {string[]} */
  const errors = [];
  let from = "";
  for (const line of text.split("\n")) {
    const ref = IN_FUNCTION.exec(line);
    if (ref) { from = ref[1]; continue; }
    const u = UNDEFINED.exec(line);
    if (u) {
      const users = undefinedSymbols.get(u[1]) ?? new Set();
      const onLine = IN_DATA.exec(line)?.[1];
      const user = onLine && /(\.o|\.obj|\))$/.test(onLine) ? onLine : from; // else a source file's name: the function's object says more
      if (user) users.add(user);
      undefinedSymbols.set(u[1], users);
      continue;
    }
    if (/\berror\b|: cannot |overflowed|multiple definition|undefined symbol/i.test(line) && !NOISE.some((n) => n.test(line))) errors.push(line.trim());
  }
  return { undefinedSymbols, errors };
}

/**
 * Splits undefined symbols into those the closed Wi-Fi/PHY libraries define and all the others.
 * @param {Iterable<string>} symbols
 * @param {Set<string>} blobSymbols
 */
export function classify(symbols, blobSymbols) {
  const sorted = [...symbols].sort();
  return { blob: sorted.filter((s) => blobSymbols.has(s)), other: sorted.filter((s) => !blobSymbols.has(s)) };
}

/** @param {string} text one symbol a line; `#` starts a comment line */
export function parseSymbolList(text) {
  return new Set(text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")));
}

/**
 * The archives among `archives` that stand in for closed libraries: empty ones, and ones holding
 * a stub object (`wifi_blob_stubs.o`). A real closed library has neither shape.
 * @param {string[]} archives
 * @param {string} ar the archiver (riscv32-esp-elf-ar, or the host's ar in tests)
 */
export function standInArchives(archives, ar) {
  return archives.filter((a) => {
    const r = spawnSync(ar, ["t", a], { encoding: "utf8" });
    if (r.status !== 0) return false;
    const members = r.stdout.trim();
    return members === "" || /(^|\n)wifi_blob_stubs[^\n]*$/m.test(members);
  });
}

/**
 * Runs a link command once more with an empty archive in place of each stand-in, writing
 * `output` instead of the command's own `-o` file and its link map (if any) to a scratch
 * folder, and returns what the linker said. The relink is only for its report.
 * @param {{ command: string, cwd: string, elf: string, output: string, standIns: string[], ar: string }} o
 */
export function relinkWithout({ command, cwd, elf, output, standIns, ar }) {
  if (!command.includes(`-o ${elf}`)) throw new Error(`the link command does not write ${elf}`);
  const empty = join(mkdtempSync(join(tmpdir(), "mqtt2go-noblob-")), "libempty.a");
  const made = spawnSync(ar, ["rcs", empty], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`${ar} rcs ${empty} failed: ${made.stderr}`);
  let relink = command;
  for (const a of standIns) {
    if (!relink.includes(a)) throw new Error(`the link command does not name ${a}`);
    relink = relink.split(a).join(empty);
  }
  // the link map too: the build's own (esp_idf_size reads it) must stay the successful link's
  relink = relink.replace(`-o ${elf}`, `-o ${output}`).replace(/(-Map[=,])\S+/g, `$1${join(dirname(empty), "relink.map")}`);
  const r = spawnSync("sh", ["-c", relink], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  rmSync(dirname(empty), { recursive: true, force: true });
  return { status: r.status, text: (r.stdout ?? "") + (r.stderr ?? "") };
}
