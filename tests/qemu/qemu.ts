// The firmware as an ESP32-C3 image in Espressif's QEMU: what the toolchain must provide (found
// only through the environment), building the image (mcconfig, MQTT2GO_ESP32_HOST=qemu), the
// unit's factory partition (the project's make-factory-csv.mjs + ESP-IDF's NVS partition
// generator), one flash file, and a QEMU run whose serial lines are collected as they arrive.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "../sim/mcsim";

export { ROOT };

export interface Toolchain {
  moddable: string;
  idf: string;
  qemu: string;
  /** QEMU's firmware folder (-L): the ESP32-C3 ROM image. */
  bios: string;
}

/** What is set up, or the reason it is not (the test is then skipped with that message). */
export function toolchain(): Toolchain | string {
  const moddable = process.env.MODDABLE;
  const idf = process.env.IDF_PATH;
  if (!moddable) return "$MODDABLE is not set (a Moddable SDK with its Linux tools built)";
  if (!idf) return "$IDF_PATH is not set (ESP-IDF v6.0 environment for ESP32-C3; README: The QEMU target)";
  const qemu = process.env.MQTT2GO_QEMU ?? which("qemu-system-riscv32");
  if (!qemu || !existsSync(qemu)) return "no Espressif QEMU: set $MQTT2GO_QEMU to its qemu-system-riscv32 (machine esp32c3)";
  const bios = process.env.MQTT2GO_QEMU_BIOS ?? [join(dirname(qemu), "../pc-bios"), join(dirname(qemu), "../share/qemu")].find((d) => existsSync(join(d, "esp32c3-rom.bin")));
  if (!bios) return "QEMU's ESP32-C3 ROM (esp32c3-rom.bin) not found: set $MQTT2GO_QEMU_BIOS to its folder";
  for (const tool of ["mcconfig", "riscv32-esp-elf-gcc", "python3"]) if (!which(tool)) return `${tool} is not on PATH (source the ESP-IDF environment)`;
  const gen = spawnSync("python3", [join(idf, "components/nvs_flash/nvs_partition_generator/nvs_partition_gen.py"), "--help"], { encoding: "utf8" });
  if (gen.status !== 0) return "ESP-IDF's NVS partition generator does not run (the esp-idf-nvs-partition-gen package is missing from the Python path)";
  return { moddable, idf, qemu, bios };
}

function which(tool: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface Image {
  /** The IDF build folder (flash_args, bootloader, partition table, app). */
  buildDir: string;
  app: string;
  ms: number;
}

/** `MQTT2GO_ESP32_HOST=qemu mcconfig -m -p esp32/esp32c3 -t build -o <outDir> key=value…` from the project root, under `nice -n 15`. */
export function buildImage(outDir: string, config: Record<string, string | number>, env: NodeJS.ProcessEnv): { ok: true; image: Image } | { ok: false; output: string } {
  const t0 = Date.now();
  mkdirSync(outDir, { recursive: true });
  // mcconfig remakes the XS machine's settings when a manifest changes, not when an environment
  // variable picks another one: a switch of XS budget (MQTT2GO_XS_CREATION) touches the one picked.
  const creation = env.MQTT2GO_XS_CREATION ?? process.env.MQTT2GO_XS_CREATION ?? join(ROOT, "hosts/esp32/creation.json");
  const stamp = join(outDir, "xs-creation.txt");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== creation) {
    const now = new Date();
    utimesSync(creation, now, now);
    writeFileSync(stamp, creation);
  }
  const args = ["-m", "-p", "esp32/esp32c3", "-t", "build", "-o", outDir, ...Object.entries(config).map(([k, v]) => `${k}=${v}`)];
  // A batch job on a shared machine: the build runs at low priority (the QEMU runs do not).
  const r = spawnSync("nice", ["-n", "15", "mcconfig", ...args], { cwd: ROOT, env: { ...process.env, ...env, MQTT2GO_ESP32_HOST: "qemu" }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const output = (r.stdout ?? "") + (r.stderr ?? "");
  const buildDir = join(outDir, "tmp/esp32/esp32c3/release/mqtt2go/xsProj-esp32c3/build");
  const app = join(buildDir, "xs_esp32.bin");
  if (r.status !== 0 || !existsSync(join(buildDir, "flash_args")) || !existsSync(app)) return { ok: false, output };
  return { ok: true, image: { buildDir, app, ms: Date.now() - t0 } };
}

/** The image an earlier buildImage left in `outDir`. */
export function existingImage(outDir: string): { ok: true; image: Image } | { ok: false; output: string } {
  const buildDir = join(outDir, "tmp/esp32/esp32c3/release/mqtt2go/xsProj-esp32c3/build");
  const app = join(buildDir, "xs_esp32.bin");
  return existsSync(app) ? { ok: true, image: { buildDir, app, ms: 0 } } : { ok: false, output: `no image at ${app}` };
}

/** The unit's `fctry` partition image from an identity folder (make-factory-csv.mjs + nvs_partition_gen.py). */
export function factoryPartition(t: Toolchain, identityDir: string, caDer: string, discovery: string, outDir: string): string {
  const csv = spawnSync(process.execPath, [join(ROOT, "hosts/esp32/factory/make-factory-csv.mjs"), identityDir, "--discovery", discovery, "--ca", caDer, "--out", outDir], { encoding: "utf8" });
  if (csv.status !== 0) throw new Error(`make-factory-csv: ${csv.stderr}`);
  const bin = join(outDir, "factory.bin");
  const gen = spawnSync("python3", [join(t.idf, "components/nvs_flash/nvs_partition_generator/nvs_partition_gen.py"), "generate", join(outDir, "factory.csv"), bin, FCTRY_SIZE], { encoding: "utf8" });
  if (gen.status !== 0) throw new Error(`nvs_partition_gen: ${gen.stdout}${gen.stderr}`);
  return bin;
}

/** hosts/esp32/partitions.csv */
export const FCTRY_OFFSET = "0x1A000";
export const FCTRY_SIZE = "0x6000";
export const OTA_SLOT_BYTES = 0x1f0000;

/** One 4 MB flash file: bootloader, partition table, app (flash_args) and the factory partition. */
export function mergeFlash(image: Image, fctry: string, out: string): void {
  const r = spawnSync("python3", ["-m", "esptool", "--chip", "esp32c3", "merge-bin", "--pad-to-size", "4MB", "-o", out, "@flash_args", FCTRY_OFFSET, fctry],
    { cwd: image.buildDir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`esptool merge-bin: ${r.stdout}${r.stderr}`);
}

export interface Line { at: number; text: string }

let serialFiles = 0;

/**
 * QEMU (machine esp32c3) booting `flash` with `-nic user,model=open_eth`; the flash file is the
 * chip's flash and keeps what the firmware writes. The serial port goes to a file that is read as
 * it grows, never to a pipe: this QEMU's UART model drops every byte its character device does not
 * take at once (esp32_uart.c ignores qemu_chr_fe_write's result), and a pipe or socket to a busy
 * reader refuses writes for a moment, which cut device log lines short and glued them to the next
 * (a `boot.provisioned` line lost that way once made the driver add a restarted unit again). A
 * file always takes the write.
 */
export class QemuRun {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  readonly started = Date.now();
  private readonly child: ChildProcess;
  private waiters: { re: RegExp; from: number; resolve: (l: Line) => void }[] = [];
  private readonly serial: string;
  private fd: number | undefined;
  private offset = 0;
  private partial = "";

  constructor(t: Toolchain, flash: string, private readonly echo?: string) {
    this.serial = `${flash}.serial-${++serialFiles}.log`;
    rmSync(this.serial, { force: true });
    this.child = spawn(t.qemu, ["-machine", "esp32c3", "-L", t.bios, "-display", "none", "-monitor", "none",
      "-serial", `file:${this.serial}`, "-drive", `file=${flash},if=mtd,format=raw`, "-nic", "user,model=open_eth"],
      { stdio: ["ignore", "pipe", "pipe"] });
    // QEMU's own messages (not the device's), as lines too.
    let own = "";
    const onOwn = (d: Buffer): void => {
      own += d.toString("latin1");
      const parts = own.split(/\r?\n/);
      own = parts.pop() ?? "";
      for (const text of parts) this.add(`qemu: ${text}`);
    };
    this.child.stdout?.on("data", onOwn);
    this.child.stderr?.on("data", onOwn);
    const poll = setInterval(() => this.read(), 10);
    this.exited = new Promise((resolve) => this.child.on("close", (code) => {
      clearInterval(poll);
      this.read();
      if (this.partial) this.add(this.partial);
      this.partial = "";
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      resolve(code);
    }));
  }

  /** What the device wrote since the last read, as lines. */
  private read(): void {
    if (this.fd === undefined) {
      if (!existsSync(this.serial)) return;
      this.fd = openSync(this.serial, "r");
    }
    const size = fstatSync(this.fd).size;
    if (size <= this.offset) return;
    const buf = Buffer.alloc(size - this.offset);
    const n = readSync(this.fd, buf, 0, buf.length, this.offset);
    this.offset += n;
    this.partial += buf.subarray(0, n).toString("latin1");
    const parts = this.partial.split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    for (const text of parts) this.add(text);
  }

  private add(text: string): void {
    const l = { at: Date.now() - this.started, text };
    this.lines.push(l);
    if (this.echo !== undefined) process.stdout.write(`${this.echo}(+${(l.at / 1000).toFixed(1)} s) ${text}\n`);
    const index = this.lines.length - 1;
    for (const w of [...this.waiters]) {
      if (index >= w.from && w.re.test(text)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(l);
      }
    }
  }

  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<Line> {
    const seen = this.lines.slice(from).find((l) => re.test(l.text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x.resolve !== ok);
        reject(new Error(`no serial line matching ${String(re)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const ok = (l: Line): void => { clearTimeout(timer); resolve(l); };
      this.waiters.push({ re, from, resolve: ok });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`QEMU exited (${code}) before a line matching ${String(re)}`));
      });
    });
  }

  /** Power cut: SIGKILL, nothing flushed. */
  kill(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    return this.exited;
  }
}

/**
 * The device's own log line: `[   12.345] phase     [LEVEL ]event fields…`, wherever it starts in a
 * serial line (ESP-IDF's drivers write to the same UART, sometimes without ending their line, and
 * colour their lines with ANSI escapes).
 */
export function parseLine(text: string): { t: number; phase: string; event: string; fields: Record<string, string> } | undefined {
  // eslint-disable-next-line no-control-regex
  const m = /\[\s*(\d+\.\d{3})\]\s(\S+)\s+(?:(?:DEBUG|WARN|ERROR)\s)?(\S+)(.*)$/.exec(text.replace(/\x1b\[[0-9;]*m/g, ""));
  if (!m) return undefined;
  const fields = Object.fromEntries([...m[4].matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((f) => [f[1], f[2].replace(/^"|"$/g, "")]));
  return { t: Number(m[1]), phase: m[2], event: m[3], fields };
}

/** Sizes of the linked app: the ELF's sections by memory (riscv32-esp-elf-size -A). */
export function staticMemory(image: Image): { iram: number; dram: number; flash: number } | undefined {
  const elf = join(image.buildDir, "xs_esp32.elf");
  if (!existsSync(elf)) return undefined;
  const r = spawnSync("riscv32-esp-elf-size", ["-A", elf], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  let iram = 0, dram = 0, flash = 0;
  for (const line of r.stdout.split("\n")) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line);
    if (!m) continue;
    const [name, size, addr] = [m[1], Number(m[2]), Number(m[3])];
    if (size === 0) continue;
    // ESP32-C3 memory map: IRAM 0x4037C000-0x403E0000, DRAM 0x3FC80000-0x3FCE0000, flash-mapped 0x3C000000 / 0x42000000
    if (addr >= 0x4037c000 && addr < 0x403e0000) iram += size;
    else if (addr >= 0x3fc80000 && addr < 0x3fce0000) { if (name !== ".dram0.dummy") dram += size; }
    else if ((addr >= 0x3c000000 && addr < 0x3c800000) || (addr >= 0x42000000 && addr < 0x42800000)) flash += size;
  }
  return { iram, dram, flash };
}

export function fileSize(path: string): number {
  return readFileSync(path).length;
}
