#!/usr/bin/env node
// The product image link check: builds the Wi-Fi/WPS firmware (hosts/esp32) for esp32/esp32c3 and
// reports every undefined symbol of its final link. It passes only when each one is a symbol of
// the closed Wi-Fi/PHY libraries (hosts/esp32/check/closed-wifi-symbols.txt, or $MQTT2GO_BLOB_SYMBOLS)
// and the link reports no other error: a missing function of ours, a wrong manifest include or a
// misspelt native binding fails it. Also reports the app's size against the OTA slot of the
// host's partitions.csv and its static IRAM/DRAM use.
//
//   node scripts/check-esp32-link.mjs      (needs $MODDABLE, $IDF_PATH, riscv32-esp-elf-gcc; skipped otherwise)
//   options: --host=qemu   checks the QEMU target's image instead (build/qemu/mc, as npm run qemu builds it);
//            --no-build    checks the image an earlier build left;
//            --project=DIR builds the project in DIR instead of this repository, into the same
//                          build folder (a copy with a planted fault: tests/e2e/esp32-link.test.ts).
//
// The product is built from a copy of the project kept in build/esp32-link-project (a file is
// rewritten only when its content changed, so a rebuild stays incremental). The verdict comes
// from the final link run once more on its own, with an empty archive in place of each archive
// that stands in for a closed library (toolchain.sh's empty archives, or a stub archive that lets
// an image link): what the closed libraries must provide is then exactly what stays undefined,
// and a stub can never hide a missing function of ours. With Espressif's toolchain and its Wi-Fi
// libraries nothing stands in and nothing is undefined. The stand-in toolchain has no RISC-V
// newlib: when $ESP_PICOLIBC_SPECS is set (its environment), the copy gets CONFIG_LIBC_PICOLIBC=y.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { classify, linkerReport, parseSymbolList, relinkWithout, standInArchives } from "./esp32-link.mjs";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const opts = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const HOST = opts.host === "qemu" ? "qemu" : "esp32";
const say = (s) => console.log(`check-esp32-link: ${s}`);
const skip = (why) => { say(`SKIP: ${why}`); process.exit(0); };
const fail = (why) => { say(`FAIL: ${why}`); process.exit(1); };
const has = (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const AR = "riscv32-esp-elf-ar";

if (!process.env.MODDABLE) skip("$MODDABLE is not set");
if (!process.env.IDF_PATH) skip("$IDF_PATH is not set (ESP-IDF v6.0 environment)");
for (const t of ["mcconfig", "riscv32-esp-elf-gcc", AR, "riscv32-esp-elf-size", "ninja"]) if (!has(t)) skip(`${t} is not on PATH`);

const blobList = process.env.MQTT2GO_BLOB_SYMBOLS ?? join(ROOT, "hosts/esp32/check/closed-wifi-symbols.txt");
if (!existsSync(blobList)) fail(`no list of the closed libraries' symbols at ${blobList}`);
const blobSymbols = parseSymbolList(readFileSync(blobList, "utf8"));

/** Makes `dst` hold what `src` holds, rewriting only files whose content differs (make compares times). */
function mirror(src, dst, top = true) {
  mkdirSync(dst, { recursive: true });
  const keep = new Set();
  for (const entry of readdirSync(src)) {
    if (top && /^(node_modules|build|\.git|\.state)$/.test(entry)) continue;
    keep.add(entry);
    const [s, d] = [join(src, entry), join(dst, entry)];
    if (statSync(s).isDirectory()) { mirror(s, d, false); continue; }
    const content = readFileSync(s);
    if (existsSync(d) && !lstatSync(d).isDirectory() && readFileSync(d).equals(content)) continue;
    rmSync(d, { recursive: true, force: true });
    writeFileSync(d, content);
  }
  for (const entry of readdirSync(dst)) if (!keep.has(entry) && !(top && entry === "node_modules")) rmSync(join(dst, entry), { recursive: true, force: true });
}
function writeIfChanged(file, content) {
  if (!existsSync(file) || readFileSync(file, "utf8") !== content) writeFileSync(file, content);
}

// ---- the build ----
const out = join(ROOT, HOST === "qemu" ? "build/qemu/mc" : "build/esp32-link");
mkdirSync(out, { recursive: true });
const buildDir = join(out, "tmp/esp32/esp32c3/release/mqtt2go/xsProj-esp32c3/build");
const logFile = join(out, "mcconfig.log");
const t0 = Date.now();
let buildStatus = 0;
let log = "";
if (!opts["no-build"]) {
  let project = ROOT;
  if (HOST === "esp32") {
    const source = opts.project ? resolve(opts.project) : ROOT;
    project = join(ROOT, "build/esp32-link-project");
    const defaults = join(source, "hosts/esp32/sdkconfig/sdkconfig.defaults");
    if (!existsSync(defaults)) fail(`${source} has no hosts/esp32/sdkconfig/sdkconfig.defaults`);
    mirror(source, project);
    if (!existsSync(join(project, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
    if (process.env.ESP_PICOLIBC_SPECS) {
      writeIfChanged(join(project, "hosts/esp32/sdkconfig/sdkconfig.defaults"),
        `${readFileSync(defaults, "utf8")}\n# stand-in toolchain: no RISC-V newlib\nCONFIG_LIBC_PICOLIBC=y\n`);
      say("stand-in toolchain ($ESP_PICOLIBC_SPECS): the copy gets CONFIG_LIBC_PICOLIBC=y");
    }
    say(`project ${source}${opts.project ? " (not this repository)" : ""}, built from its copy in ${project}`);
  }
  const argv = ["-m", "-p", "esp32/esp32c3", "-t", "build", "-o", out, ...(HOST === "qemu" ? ["sntp=10.0.2.2"] : [])];
  say(`building: MQTT2GO_ESP32_HOST=${HOST} mcconfig ${argv.join(" ")}${HOST === "esp32" ? " (the product image)" : " (the QEMU target)"}; log in ${logFile}`);
  const fd = openSync(logFile, "w");
  const build = spawnSync("mcconfig", argv, { cwd: project, env: { ...process.env, MQTT2GO_ESP32_HOST: HOST }, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  buildStatus = build.status ?? 1;
  log = readFileSync(logFile, "utf8");
  say(`mcconfig exited ${buildStatus} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} else say(`checking the image already in ${out}`);

const fromLog = linkerReport(log).undefinedSymbols;
const tail = () => process.stdout.write(log.split("\n").filter((l) => !l.startsWith("# ")).slice(-40).join("\n") + "\n");
// An error before the final link (a module xsc or xsl cannot resolve, a C compile error) leaves no
// image and possibly stale objects: relinking them would judge an old build.
if (buildStatus !== 0 && fromLog.size === 0) { tail(); fail("the build failed before its final link"); }
if (!existsSync(join(buildDir, "build.ninja"))) fail(`no ESP-IDF build in ${buildDir}`);

// ---- the final link, once more, without stand-ins for the closed libraries ----
const ninja = spawnSync("ninja", ["-C", buildDir, "-t", "commands", "xs_esp32.elf"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
const command = ninja.stdout.trim().split("\n").pop() ?? "";
const archives = [...new Set(command.split(/\s+/).filter((w) => w.endsWith(".a") && w.startsWith("/")))];
const standIns = standInArchives(archives.filter((a) => /\/components\/(esp_wifi|esp_phy|esp_coex|bt)\/lib/.test(a)), AR);
say(standIns.length
  ? `relinking without the ${standIns.length} stand-in archive(s) of the closed libraries (${standIns.map((a) => a.split("/").pop()).join(", ")})`
  : "relinking (no archive stands in for a closed library)");
let relink;
try {
  relink = relinkWithout({ command, cwd: buildDir, elf: "xs_esp32.elf", output: "xs_esp32.check.elf", standIns, ar: AR });
} catch (e) { fail(`could not rerun the final link: ${e instanceof Error ? e.message : String(e)}`); }
rmSync(join(buildDir, "xs_esp32.check.elf"), { force: true });
const report = linkerReport(relink.text);
for (const [s, users] of fromLog) if (!report.undefinedSymbols.has(s)) report.undefinedSymbols.set(s, users);

// ---- verdict ----
const { blob, other } = classify(report.undefinedSymbols.keys(), blobSymbols);
say(`undefined symbols of the final link: ${blob.length + other.length} (${blob.length} of the closed Wi-Fi/PHY libraries, ${other.length} other)`);
for (const s of blob) console.log(`  blob  ${s}`);
if (blob.length) {
  const byArchive = new Map();
  for (const s of blob) for (const user of report.undefinedSymbols.get(s) ?? []) {
    const archive = user.replace(/\(.*$/, "").split("/").pop();
    byArchive.set(archive, (byArchive.get(archive) ?? new Set()).add(s));
  }
  say(`the blob symbols are used from: ${[...byArchive].map(([a, set]) => `${a} (${set.size})`).join(", ")}`);
}
for (const s of other) console.log(`  OTHER ${s}  (used in ${[...report.undefinedSymbols.get(s) ?? []].join(", ") || "?"})`);
for (const e of report.errors) console.log(`  ERROR ${e}`);

// ---- size: only of an image this run built (or --no-build's), never one a failed build left ----
const elf = join(buildDir, "xs_esp32.elf"), app = join(buildDir, "xs_esp32.bin"), map = join(buildDir, "xs_esp32.map");
if (buildStatus === 0 && existsSync(app) && existsSync(elf)) {
  const partitions = readFileSync(join(ROOT, "hosts/esp32/partitions.csv"), "utf8");
  const slot = Number(/^ota_0\s*,\s*app\s*,\s*ota_0\s*,\s*\S+\s*,\s*(0x[0-9a-f]+|\d+)/im.exec(partitions)?.[1] ?? NaN);
  const size = statSync(app).size;
  say(`app image ${size} B of the ${slot} B OTA slot (${((100 * size) / slot).toFixed(1)} % used, ${slot - size} B free)`);
  const idfSize = spawnSync(process.env.PYTHON ?? "python3", ["-m", "esp_idf_size", "--format", "json2", map], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const dram = idfSize.status === 0 ? JSON.parse(idfSize.stdout).layout?.find((l) => l.name === "DRAM") : undefined;
  if (dram) {
    const part = (n) => dram.parts?.[n]?.size ?? 0;
    say(`static IRAM ${part(".text")} B (code), static DRAM ${part(".data") + part(".bss")} B (.data ${part(".data")} + .bss ${part(".bss")}): ` +
      `${dram.used} of the ${dram.total} B of SRAM they share, ${dram.free} B left for the heap (esp_idf_size)`);
  } else {
    let iram = 0, data = 0;
    for (const line of spawnSync("riscv32-esp-elf-size", ["-A", elf], { encoding: "utf8" }).stdout.split("\n")) {
      const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line);
      if (!m) continue;
      const [name, bytes, addr] = [m[1], Number(m[2]), Number(m[3])];
      if (addr >= 0x4037c000 && addr < 0x403e0000) iram += bytes;
      else if (addr >= 0x3fc7c000 && addr < 0x3fce0000 && name !== ".dram0.dummy") data += bytes;
    }
    say(`static IRAM ${iram} B, static DRAM ${data} B (ELF sections in the ESP32-C3 IRAM/DRAM ranges; esp_idf_size not available)`);
  }
  if (standIns.some((a) => spawnSync(AR, ["t", a], { encoding: "utf8" }).stdout.trim() !== "")) {
    say("these sizes hold a stub archive in place of the closed Wi-Fi libraries: the shipped image is larger by their code and data");
  }
} else say("no image from this run: size and IRAM/DRAM not measured");

if (other.length) fail(`${other.length} undefined symbol(s) not of the closed Wi-Fi/PHY libraries: ${other.join(", ")}`);
if (report.errors.length) fail(`the final link reports ${report.errors.length} error(s) besides undefined symbols`);
if (buildStatus !== 0 && blob.length === 0) { tail(); fail("the build failed and its final link names no missing symbol"); }
say("OK");
