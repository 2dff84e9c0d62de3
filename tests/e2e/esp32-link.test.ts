// The product image link check (scripts/check-esp32-link.mjs) tells the closed Wi-Fi libraries'
// symbols from real errors. First on this machine's own GNU linker (same binutils messages as the
// ESP32 linker): a stub archive standing in for a closed library hides nothing once relinked
// without it, a misspelt binding in a table of pointers and a missing function are named with the
// object that uses them, and an error other than an undefined symbol counts. Then, where the
// ESP32 toolchain is set up and the product image was built once, on a throwaway copy of the
// firmware with a misspelt native binding and a missing C function planted: the check must fail
// and name both. That build goes into build/esp32-link (incremental, a few minutes); the next
// npm run check:esp32-link rebuilds the real firmware there (--no-build before it judges the
// planted one).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { classify, linkerReport, parseSymbolList, relinkWithout, standInArchives } from "../../scripts/esp32-link.mjs";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const BLOBS = parseSymbolList("# closed Wi-Fi library symbols\nesp_wifi_start\n  esp_wifi_set_mode  \n\n");

describe("link check on the host linker's real output", { skip: has("cc") && has("ar") ? false : "needs the host's cc and ar (gcc, binutils)" }, () => {
  let dir = "";
  const sh = (cmd: string) => spawnSync("sh", ["-c", cmd], { cwd: dir, encoding: "utf8" });
  const cc = (name: string, source: string) => {
    writeFileSync(join(dir, `${name}.c`), source);
    const r = sh(`cc -c -O0 -o ${name}.o ${name}.c`);
    assert.equal(r.status, 0, r.stderr);
  };
  const link = (objects: string) => `cc -o unit.elf -Wl,--Map=${dir}/unit.map ${objects} ${dir}/libreal.a ${dir}/libnet80211.a ${dir}/libpp.a`;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mqtt2go-link-"));
    // a stub archive in place of a closed library: every blob symbol, and one of ours by mistake
    cc("wifi_blob_stubs", "int esp_wifi_start(void) { return -1; }\nint esp_wifi_set_mode(int m) { return m - m - 1; }\nvoid xs_wps_close(void *the) { (void)the; }\n");
    cc("real", "int real_fn(void) { return 7; }\n");
    // and an empty archive in place of another, as toolchain.sh leaves them
    const archived = sh("ar rcs libnet80211.a wifi_blob_stubs.o && ar rcs libpp.a && ar rcs libreal.a real.o");
    assert.equal(archived.status, 0, archived.stderr);
    cc("good", "int esp_wifi_start(void); int esp_wifi_set_mode(int); int real_fn(void);\nint main(void) { esp_wifi_set_mode(1); return esp_wifi_start() + real_fn(); }\n");
    cc("hidden", "void xs_wps_close(void *);\nint esp_wifi_start(void);\nint main(void) { xs_wps_close(0); return esp_wifi_start(); }\n");
    // as XS's mc.xs.c holds native bindings: a table of function pointers, and a misspelt one
    cc("table", "typedef void (*xsCallback)(void *);\nvoid xs_wps_clsoe(void *);\nconst xsCallback bindings[] = { xs_wps_clsoe };\n");
    cc("bad", "extern const void *bindings[]; int esp_wifi_start(void); void mqtt2go_missing(void);\nint main(void) { mqtt2go_missing(); return esp_wifi_start() + (bindings[0] != 0); }\n");
    cc("twice", "int real_fn(void) { return 8; }\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("stand-ins are the empty archives and the stub archive, never a real library", () => {
    const archives = ["libreal.a", "libnet80211.a", "libpp.a"].map((a) => join(dir, a));
    assert.deepEqual(standInArchives(archives, "ar"), [join(dir, "libnet80211.a"), join(dir, "libpp.a")]);
  });

  test("a product that needs only blob symbols links against the stub, and relinked without it needs exactly those", () => {
    const linked = sh(link("good.o"));
    assert.equal(linked.status, 0, linked.stderr);
    assert.equal(linkerReport(linked.stdout + linked.stderr).undefinedSymbols.size, 0);
    const map = readFileSync(join(dir, "unit.map"), "utf8");
    const r = relinkWithout({ command: link("good.o"), cwd: dir, elf: "unit.elf", output: "unit.check.elf", standIns: [join(dir, "libnet80211.a"), join(dir, "libpp.a")], ar: "ar" });
    assert.notEqual(r.status, 0);
    const report = linkerReport(r.text);
    assert.deepEqual(classify(report.undefinedSymbols.keys(), BLOBS), { blob: ["esp_wifi_set_mode", "esp_wifi_start"], other: [] });
    assert.deepEqual(report.errors, []);
    assert.deepEqual([...report.undefinedSymbols.get("esp_wifi_start")!], ["good.o"]);
    assert.equal(readFileSync(join(dir, "unit.map"), "utf8"), map, "the relink rewrote the build's link map");
    assert.ok(map.includes("wifi_blob_stubs.o"));
  });

  test("a function of ours that only the stub defines links, and is caught once the stub is out", () => {
    assert.equal(sh(link("hidden.o")).status, 0);
    const r = relinkWithout({ command: link("hidden.o"), cwd: dir, elf: "unit.elf", output: "unit.check.elf", standIns: [join(dir, "libnet80211.a")], ar: "ar" });
    assert.deepEqual(classify(linkerReport(r.text).undefinedSymbols.keys(), BLOBS), { blob: ["esp_wifi_start"], other: ["xs_wps_close"] });
  });

  test("a misspelt binding in a table and a missing function are other symbols, named with the object using them", () => {
    const r = sh(link("bad.o table.o"));
    assert.notEqual(r.status, 0);
    const report = linkerReport(r.stdout + r.stderr);
    assert.deepEqual(classify(report.undefinedSymbols.keys(), BLOBS), { blob: [], other: ["mqtt2go_missing", "xs_wps_clsoe"] });
    assert.deepEqual([...report.undefinedSymbols.get("xs_wps_clsoe")!], ["table.o"]);
    assert.deepEqual([...report.undefinedSymbols.get("mqtt2go_missing")!], ["bad.o"]);
    assert.deepEqual(report.errors, []);
  });

  test("an error other than an undefined symbol is reported as one", () => {
    const r = sh(link("good.o twice.o real.o"));
    assert.notEqual(r.status, 0);
    const report = linkerReport(r.stdout + r.stderr);
    assert.equal(report.undefinedSymbols.size, 0);
    assert.equal(report.errors.length, 1, report.errors.join("\n"));
    assert.match(report.errors[0], /multiple definition of [`']real_fn'/);
  });

  test("the relink refuses a command that does not write the image or name a stand-in", () => {
    const o = { cwd: dir, output: "x.elf", ar: "ar" };
    assert.throws(() => relinkWithout({ ...o, command: link("good.o"), elf: "other.elf", standIns: [] }), /does not write other\.elf/);
    assert.throws(() => relinkWithout({ ...o, command: link("good.o"), elf: "unit.elf", standIns: [join(dir, "libwapi.a")] }), /does not name/);
  });
});

test("the list of closed Wi-Fi symbols names no function the project's own C code defines", () => {
  const list = parseSymbolList(readFileSync(join(ROOT, "hosts/esp32/check/closed-wifi-symbols.txt"), "utf8"));
  assert.ok(list.size >= 100, `only ${list.size} symbols`);
  for (const s of list) assert.match(s, /^(esp_wifi_\w+|current_task_is_wifi_task)$/);
  const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".c") ? [join(dir, e.name)] : []);
  const files = sources(join(ROOT, "hosts"));
  assert.ok(files.some((f) => f.endsWith("modWPS.c")));
  for (const f of files) {
    const defined = [...readFileSync(f, "utf8").matchAll(/^[A-Za-z_][^;=(]*?\b(\w+)\s*\([^;]*$/gm)].map((m) => m[1]);
    assert.ok(defined.length > 0, `no function found in ${f}`);
    for (const d of defined) assert.ok(!list.has(d), `${f} defines ${d}, which the list takes for a closed library's`);
  }
});

// ---- on the ESP32 toolchain: a throwaway build of the product with planted faults ----
const BUILT = join(ROOT, "build/esp32-link/tmp/esp32/esp32c3/release/mqtt2go/xsProj-esp32c3/build/build.ninja");
const toolchainSkip = !process.env.MODDABLE || !process.env.IDF_PATH || !has("riscv32-esp-elf-gcc") || !has("mcconfig")
  ? "needs $MODDABLE, $IDF_PATH, mcconfig and riscv32-esp-elf-gcc (an ESP-IDF v6.0 environment; README: The QEMU target, setting it up)"
  : !existsSync(BUILT)
    ? "needs an earlier product build in build/esp32-link (run npm run check:esp32-link once, 30-50 min; this test then rebuilds only what it changes)"
    : false;

test("the product link check fails on a throwaway build with a misspelt native binding and a missing C function", { skip: toolchainSkip, timeout: 90 * 60_000 }, () => {
  const copy = join(mkdtempSync(join(tmpdir(), "mqtt2go-broken-")), "mqtt2go");
  try {
    for (const entry of readdirSync(ROOT)) if (!/^(node_modules|build|\.git|\.state)$/.test(entry)) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    const plant = (file: string, from: string, to: string) => {
      const text = readFileSync(join(copy, file), "utf8");
      assert.ok(text.includes(from), `${file} no longer holds ${from}`);
      writeFileSync(join(copy, file), text.replace(from, to));
    };
    plant("hosts/esp32/wps/wps.js", `close() @ "xs_wps_close";`, `close() @ "xs_wps_clsoe";`);
    plant("hosts/esp32/system/esp32-system.c", "\t(void)the;\n\tesp_restart();", "\t(void)the;\n\tmqtt2go_planted_missing();\n\tesp_restart();");
    plant("hosts/esp32/system/esp32-system.c", "#include <string.h>\n", "#include <string.h>\n\nvoid mqtt2go_planted_missing(void);\n");
    const r = spawnSync(process.execPath, ["scripts/check-esp32-link.mjs", `--project=${copy}`], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 1, out);
    assert.match(out, /OTHER xs_wps_clsoe\s+\(used in \S*mc\.xs\.c/);
    assert.match(out, /OTHER mqtt2go_planted_missing\s+\(used in \S*esp32-system/);
    assert.doesNotMatch(out, /OTHER (?!xs_wps_clsoe|mqtt2go_planted_missing)/);
    assert.match(out, /FAIL: 2 undefined symbol\(s\) not of the closed Wi-Fi\/PHY libraries: mqtt2go_planted_missing, xs_wps_clsoe/);
  } finally {
    rmSync(join(copy, ".."), { recursive: true, force: true });
  }
});
