// Building the firmware for the desktop simulator and running it headless: mcconfig from the
// project root, then mcsim under Xvfb with line-buffered stdout, a private XDG_CONFIG_HOME (mcsim
// copies mc.so there and is single-instance per D-Bus session) and a hard time limit.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SourceFile, checkPreloadedHeap } from "./preload-heap";

export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** hosts/sim/host.ts: exit code of a simulated restart. */
export const SIM_RESTART_EXIT = 75;

export interface Sdk { moddable: string; bin: string; mcsim: string }

export function sdk(): Sdk | undefined {
  const moddable = process.env.MODDABLE;
  if (!moddable) return undefined;
  const bin = join(moddable, "build/bin/lin/release");
  return { moddable, bin, mcsim: join(bin, "mcsim") };
}

export function sdkEnv(s: Sdk): NodeJS.ProcessEnv {
  return { ...process.env, MODDABLE: s.moddable, PATH: `${process.env.PATH ?? ""}:${s.bin}` };
}

export interface BuildResult {
  ok: boolean; ms: number; output: string; so: string;
  /** Maps/Sets found in the preloaded heap that passed the check, and why. */
  preload?: string[];
}

/** The firmware's own sources (src/, hosts/): where the preload check looks for changes to a preloaded Map/Set. */
export function projectSources(): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name)) out.push({ path: p.slice(ROOT.length + 1), text: readFileSync(p, "utf8") });
    }
  };
  for (const d of ["src", "hosts"]) if (existsSync(join(ROOT, d))) walk(join(ROOT, d));
  return out;
}

/**
 * `mcconfig [flags] -m -p lin [key=value…]` from the project root, into `outDir` (mcconfig -o)
 * so a test build never replaces the developer's default build.
 */
export function buildFirmware(s: Sdk, outDir: string, config: Record<string, string | number>, flags: string[] = [], env: NodeJS.ProcessEnv = {}): BuildResult {
  const t0 = Date.now();
  mkdirSync(outDir, { recursive: true });
  const kind = flags.includes("-d") ? "debug" : flags.includes("-i") ? "instrument" : "release";
  // make only recopies a resource whose source is newer than the copy: when MQTT2GO_CA/IDENTITY
  // point elsewhere, an older source would leave the previous certificate in the build.
  const resources = join(outDir, "tmp/lin/mc", kind, "mqtt2go/resources");
  if (existsSync(resources)) for (const f of readdirSync(resources)) if (f.startsWith("factory-")) rmSync(join(resources, f));
  const args = [...flags, "-m", "-p", "lin", "-o", outDir, ...Object.entries(config).map(([k, v]) => `${k}=${v}`)];
  const r = spawnSync("mcconfig", args, { cwd: ROOT, env: { ...sdkEnv(s), ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = (r.stdout ?? "") + (r.stderr ?? "");
  const so = join(outDir, "bin/lin/mc", kind, "mqtt2go/mc.so");
  const ok = r.status === 0 && existsSync(so);
  // The preloaded heap must hold no RegExp, and no Map/Set the code changes later (preload-heap.ts).
  const heap = join(outDir, "tmp/lin/mc", kind, "mqtt2go/mc.xs.c");
  if (ok && existsSync(heap)) {
    const { findings, notes } = checkPreloadedHeap(readFileSync(heap, "utf8"), projectSources());
    if (findings.length > 0) {
      const why = findings.map((f) => `preloaded ${f.kind} ${f.names.join("/")}: ${f.why}`).join("\n");
      return { ok: false, ms: Date.now() - t0, output: `${output}\n${heap}:\n${why}\n`, so, preload: notes };
    }
    return { ok, ms: Date.now() - t0, output, so, preload: notes };
  }
  return { ok, ms: Date.now() - t0, output, so };
}

export interface RunOptions {
  so: string;
  /** Working directory of mcsim: the simulator's preferences live in its `.state/sim/`. */
  cwd: string;
  limitS: number;
  /** Prefix for echoing lines (undefined: quiet). */
  echo?: string;
  /** Start mcsim again when it exits with SIM_RESTART_EXIT. */
  relaunch?: boolean;
}

export interface LogLine { at: number; text: string; run: number }

/** A running simulator. Lines are collected as they arrive; `waitFor` resolves on the first match. */
export class SimRun {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private child: ChildProcess | undefined;
  private runs = 0;
  private readonly started = Date.now();
  private waiters: { re: RegExp; from: number; resolve: (l: LogLine) => void }[] = [];
  private stopped = false;
  private xdg: string[] = [];

  constructor(private readonly s: Sdk, private readonly o: RunOptions) {
    this.exited = new Promise((resolve) => this.launch(resolve));
  }

  private launch(done: (code: number | null) => void): void {
    this.runs++;
    const xdg = mkdtempSync(join(tmpdir(), "mqtt2go-mcsim-"));
    this.xdg.push(xdg);
    const env: NodeJS.ProcessEnv = { ...sdkEnv(this.s), XDG_CONFIG_HOME: xdg };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const child = spawn("timeout", ["-k", "3", String(this.o.limitS), "xvfb-run", "-a", "-s", "-nolisten tcp", "stdbuf", "-oL", "-eL", this.s.mcsim, this.o.so], {
      cwd: this.o.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const run = this.runs;
    let partial = "";
    const onData = (d: Buffer): void => {
      partial += d.toString("utf8");
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      for (const text of parts) this.add({ at: Date.now() - this.started, text, run });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("close", (code) => {
      if (partial) this.add({ at: Date.now() - this.started, text: partial, run });
      if (code === SIM_RESTART_EXIT && this.o.relaunch && !this.stopped) {
        this.add({ at: Date.now() - this.started, text: `(runner: mcsim exited ${SIM_RESTART_EXIT}, relaunching)`, run });
        this.launch(done);
        return;
      }
      done(code);
    });
  }

  private add(l: LogLine): void {
    if (l.text.startsWith("instruments")) return this.instrument(l.text);
    this.lines.push(l);
    if (this.o.echo !== undefined) process.stdout.write(`${this.o.echo}${l.text}\n`);
    const index = this.lines.length - 1;
    for (const w of [...this.waiters]) {
      if (index >= w.from && w.re.test(l.text)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(l);
      }
    }
  }

  /** `instruments key:` / `instruments:` lines of instrumented builds (one sample a second). */
  readonly instrumentKeys: string[] = [];
  readonly samples: number[][] = [];
  private instrument(text: string): void {
    if (text.startsWith("instruments key: ")) this.instrumentKeys.splice(0, Infinity, ...text.slice(17).split(","));
    else this.samples.push(text.slice(13).split(",").map(Number));
  }

  /** The first line matching `re` (searching lines from index `from` on, default: all so far). */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<LogLine> {
    const seen = this.lines.slice(from).find((l) => re.test(l.text));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x.resolve !== ok);
        reject(new Error(`no log line matching ${String(re)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const ok = (l: LogLine): void => { clearTimeout(timer); resolve(l); };
      this.waiters.push({ re, from, resolve: ok });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`mcsim exited (${code}) before a line matching ${String(re)}`));
      });
    });
  }

  /** Ends the run: SIGTERM to the whole process group (timeout, xvfb-run, Xvfb, mcsim). */
  async stop(): Promise<number | null> {
    this.stopped = true;
    const pid = this.child?.pid;
    if (pid !== undefined && this.child?.exitCode === null) {
      try { process.kill(-pid, "SIGTERM"); } catch { /* gone */ }
    }
    const code = await this.exited;
    for (const d of this.xdg) rmSync(d, { recursive: true, force: true });
    return code;
  }
}

/** Is the headless tooling there (xvfb-run, timeout, stdbuf)? Returns what is missing. */
export function missingTools(): string[] {
  return ["xvfb-run", "timeout", "stdbuf", "mcconfig"].filter((t) => spawnSync("sh", ["-c", `command -v ${t}`], { env: { ...process.env, PATH: `${process.env.PATH ?? ""}:${sdk()?.bin ?? ""}` } }).status !== 0);
}
