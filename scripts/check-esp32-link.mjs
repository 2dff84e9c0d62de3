#!/usr/bin/env node
// The product image link check: builds the Wi-Fi/WPS firmware (hosts/esp32) for esp32/esp32c3 and
// reports every undefined symbol of its final link. It passes only when each one is a symbol of
// the closed Wi-Fi/PHY libraries (../shared/esp32/wifi-blob-symbols.txt, or $MQTT2GO_BLOB_SYMBOLS):
// a missing function of ours, a wrong manifest include or a misspelt native binding fails it.
// Also reports the app's size against the OTA slot and its static IRAM/DRAM use.
//
//   node scripts/check-esp32-link.mjs      (needs $MODDABLE, $IDF_PATH, riscv32-esp-elf-gcc; skipped otherwise)
//   options: --host=qemu checks the QEMU target's image instead (build/qemu/mc, as npm run qemu builds it);
//            --no-build checks the image an earlier build left.
//
// With Espressif's toolchain and its Wi-Fi libraries the link succeeds and nothing is undefined.
// Where the closed libraries are absent and stand-ins are archived in their place (toolchain.sh's
// empty archives, or a stub archive that lets the QEMU image link), the final link is run once
// more with an empty archive for each stand-in, so that what the closed libraries must provide is
// what stays undefined. The stand-in toolchain has no RISC-V newlib: when $ESP_PICOLIBC_SPECS is
// set (its environment), the build runs on a copy of the project with CONFIG_LIBC_PICOLIBC=y added.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const OTA_SLOT = 0x1f0000; // hosts/esp32/partitions.csv
const opts = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const HOST = opts.host === "qemu" ? "qemu" : "esp32";
const say = (s) => console.log(`check-esp32-link: ${s}`);
const skip = (why) => { say(`SKIP: ${why}`); process.exit(0); };
const fail = (why) => { say(`FAIL: ${why}`); process.exit(1); };
const has = (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;

if (!process.env.MODDABLE) skip("$MODDABLE is not set");
if (!process.env.IDF_PATH) skip("$IDF_PATH is not set (ESP-IDF v6.0 environment)");
for (const t of ["mcconfig", "riscv32-esp-elf-gcc", "riscv32-esp-elf-ar", "riscv32-esp-elf-size", "ninja"]) if (!has(t)) skip(`${t} is not on PATH`);
const blobList = process.env.MQTT2GO_BLOB_SYMBOLS ?? resolve(ROOT, "../shared/esp32/wifi-blob-symbols.txt");
if (!existsSync(blobList)) skip(`no list of the closed libraries' symbols at ${blobList} (set $MQTT2GO_BLOB_SYMBOLS)`);
const blobSymbols = new Set(readFileSync(blobList, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")));

// ---- the project to build (a copy with picolibc on the stand-in toolchain) ----
let project = ROOT;
let scratch;
if (process.env.ESP_PICOLIBC_SPECS && HOST === "esp32" && !opts["no-build"]) {
  scratch = mkdtempSync(join(tmpdir(), "mqtt2go-link-"));
  project = join(scratch, "mqtt2go");
  cpSync(ROOT, project, { recursive: true, filter: (src) => !/\/(node_modules|build|\.git|\.state)(\/|$)/.test(src.slice(ROOT.length)) });
  symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
  appendFileSync(join(project, "hosts/esp32/sdkconfig/sdkconfig.defaults"), "\n# stand-in toolchain: no RISC-V newlib\nCONFIG_LIBC_PICOLIBC=y\n");
  say(`stand-in toolchain ($ESP_PICOLIBC_SPECS): building a copy with CONFIG_LIBC_PICOLIBC=y in ${project}`);
}
const out = join(ROOT, HOST === "qemu" ? "build/qemu/mc" : "build/esp32-link");
mkdirSync(out, { recursive: true });
const t0 = Date.now();
let build = { status: 0, stdout: "", stderr: "" };
if (!opts["no-build"]) {
  say(`building: MQTT2GO_ESP32_HOST=${HOST} mcconfig -m -p esp32/esp32c3 -t build${HOST === "esp32" ? " (the product image)" : " (the QEMU target)"}`);
  build = spawnSync("mcconfig", ["-m", "-p", "esp32/esp32c3", "-t", "build", "-o", out, ...(HOST === "qemu" ? ["sntp=10.0.2.2"] : [])], {
    cwd: project, env: { ...process.env, MQTT2GO_ESP32_HOST: HOST }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024,
  });
} else say(`checking the image already in ${out}`);
const log = (build.stdout ?? "") + (build.stderr ?? "");
const buildDir = join(out, "tmp/esp32/esp32c3/release/mqtt2go/xsProj-esp32c3/build");
say(`mcconfig exited ${build.status} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);

const undefinedIn = (text) => new Set([...text.matchAll(/undefined reference to [`']([^'`]+)'/g)].map((m) => m[1]));
let undef = undefinedIn(log);
const elf = join(buildDir, "xs_esp32.elf");
if (build.status !== 0 && undef.size === 0) {
  process.stdout.write(log.split("\n").filter((l) => !l.startsWith("# ")).slice(-40).join("\n") + "\n");
  fail("the build failed before its final link");
}

// ---- a successful link: run it again without stand-ins for the closed libraries ----
const libDir = join(process.env.IDF_PATH, "components/esp_wifi/lib/esp32c3");
const standIns = existsSync(libDir) ? readdirSync(libDir).filter((f) => f.endsWith(".a")).map((f) => join(libDir, f)).filter((a) => {
  const members = spawnSync("riscv32-esp-elf-ar", ["t", a], { encoding: "utf8" }).stdout.trim();
  return members === "" || /wifi_blob_stubs/.test(members);
}) : [];
if (build.status === 0 && standIns.length) {
  const cmd = spawnSync("ninja", ["-C", buildDir, "-t", "commands", "xs_esp32.elf"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).stdout.trim().split("\n").pop() ?? "";
  if (!cmd.includes("-o xs_esp32.elf")) fail("could not find the final link command in build.ninja");
  const empty = join(mkdtempSync(join(tmpdir(), "mqtt2go-noblob-")), "libempty.a");
  spawnSync("riscv32-esp-elf-ar", ["rcs", empty]);
  let relink = cmd;
  for (const a of standIns) relink = relink.split(a).join(empty);
  relink = relink.replace("-o xs_esp32.elf", "-o xs_esp32.noblob.elf");
  say(`relinking without the ${standIns.length} stand-in archive(s) of the closed Wi-Fi libraries (${standIns.map((a) => a.split("/").pop()).join(", ")})`);
  const r = spawnSync("sh", ["-c", relink], { cwd: buildDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  undef = undefinedIn((r.stdout ?? "") + (r.stderr ?? ""));
  rmSync(join(buildDir, "xs_esp32.noblob.elf"), { force: true });
}

// ---- verdict ----
const ours = [...undef].filter((s) => !blobSymbols.has(s)).sort();
say(`undefined symbols of the final link: ${undef.size} (${undef.size - ours.length} of the closed Wi-Fi/PHY libraries, ${ours.length} other)`);
for (const s of [...undef].sort()) console.log(`  ${blobSymbols.has(s) ? "blob " : "OTHER"} ${s}`);
if (existsSync(elf)) {
  const app = join(buildDir, "xs_esp32.bin");
  if (existsSync(app)) {
    const size = statSync(app).size;
    say(`app image ${size} B of the ${OTA_SLOT} B OTA slot (${((100 * size) / OTA_SLOT).toFixed(1)} % used, ${OTA_SLOT - size} B free)`);
  }
  const sections = spawnSync("riscv32-esp-elf-size", ["-A", elf], { encoding: "utf8" }).stdout;
  let iram = 0, dram = 0;
  for (const line of sections.split("\n")) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line);
    if (!m) continue;
    const [name, size, addr] = [m[1], Number(m[2]), Number(m[3])];
    if (addr >= 0x4037c000 && addr < 0x403e0000) iram += size;
    else if (addr >= 0x3fc80000 && addr < 0x3fce0000 && name !== ".dram0.dummy") dram += size;
  }
  say(`static IRAM ${iram} B, static DRAM ${dram} B (data + bss; ESP32-C3 has 400 KiB of SRAM shared by both)`);
}
if (scratch) rmSync(scratch, { recursive: true, force: true });
if (ours.length) fail(`${ours.length} undefined symbol(s) are not of the closed Wi-Fi/PHY libraries: ${ours.join(", ")}`);
if (build.status !== 0 && !existsSync(elf) && undef.size === 0) fail("no link happened");
say("OK");
