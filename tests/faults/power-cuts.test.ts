// Power cuts (npm run test:faults): the Node device (hosts/node, bundled once) runs as its own
// process and gets SIGKILL at a random moment of its onboarding, with a normal and with a slow
// flash. After each cut the flash holds the old record or the new one, never a mix; the next boot
// ends operational, or re-onboards when the controller adds it again (as a user would).
// Prints a table; writes it to build/faults/power-cuts.md. POWER_CUTS=N trials per flash speed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import { CredentialStore } from "../../src/core/record";
import { fileStore } from "../../hosts/node/ports/store";
import { DEV_IDENTITY_DIR } from "../../hosts/node/identity";
import type { Controller } from "../../stack/controller";
import { seeded } from "../seeded";
import { world, type World } from "../e2e/world";

const CUTS = Number(process.env.POWER_CUTS ?? 30);
const SEED = Number(process.env.POWER_CUT_SEED ?? 8);
const BUNDLE = join(import.meta.dirname, "../../build/faults/device.mjs");

interface Trial { flash: string; cutAfter: string; atCut: string; outcome: string; ok: boolean; detail: string }
const trials: Trial[] = [];

let w: World;
let c: Controller;
before(async () => {
  await build({
    entryPoints: [join(import.meta.dirname, "../../hosts/node/cli.ts")], bundle: true, platform: "node", format: "esm", target: "node20",
    outfile: BUNDLE, logLevel: "warning", banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  });
  w = await world();
  c = await w.stack.controller("cloud");
});
after(async () => {
  await w?.close();
  if (!trials.length) return;
  const keys = [...new Set(trials.map((t) => `${t.flash}|${t.cutAfter}`))];
  const rows = keys.map((k) => {
    const ts = trials.filter((t) => `${t.flash}|${t.cutAfter}` === k);
    const count = (f: (t: Trial) => boolean) => ts.filter(f).length;
    const [flash, cutAfter] = k.split("|");
    return `| ${flash} | ${cutAfter} | ${ts.length} | ${count((t) => t.atCut === "none")} / ${count((t) => t.atCut === "credentials")} / ${count((t) => t.atCut === "with prefix")} | ${count((t) => t.outcome === "operational")} | ${count((t) => t.outcome === "re-onboarded")} | ${count((t) => !t.ok)} |`;
  });
  const table = ["| flash | cut after (last log event) | cuts | record at cut: none / credentials / with prefix | next boot operational | re-onboarded | failed |", "|---|---|---|---|---|---|---|", ...rows].join("\n");
  process.stdout.write(`\nPower cuts (seed ${SEED}):\n${table}\n`);
  for (const t of trials.filter((x) => !x.ok)) process.stdout.write(`FAILED ${t.flash} after ${t.cutAfter}: ${t.detail}\n`);
  mkdirSync("build/faults", { recursive: true });
  writeFileSync("build/faults/power-cuts.md", table + "\n");
});

interface Child { lines: { event: string; phase: string }[]; exit: Promise<number | null>; kill(): void; firstLine: Promise<void> }

function device(stateDir: string, extra: string[]): Child {
  const args = [BUNDLE, "--identity", DEV_IDENTITY_DIR, "--discovery", `127.0.0.1:${w.stack.discovery.mqttPort}`, "--state", stateDir,
    "--mdns-port", String(w.mdnsPort), "--mdns-window", "300", "--log", "json", ...extra];
  const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const lines: { event: string; phase: string }[] = [];
  let first: () => void = () => {};
  const firstLine = new Promise<void>((r) => { first = r; });
  let buf = "";
  p.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      w.testLog.line(line);
      try { const r = JSON.parse(line) as { event: string; phase: string }; lines.push(r); first(); } catch { /* the CLI's last words */ }
    }
  });
  p.stderr.on("data", (d: Buffer) => w.testLog.line(d.toString().trimEnd()));
  return { lines, firstLine, exit: new Promise((r) => p.on("exit", (code) => r(code))), kill: () => p.kill("SIGKILL") };
}

const req = () => ({ activationCode: w.unit.identity.activationCode, deviceId: w.unit.identity.deviceId, deviceType: w.unit.identity.deviceType });

async function trial(flash: string, storeDelay: number, cutMs: number): Promise<Trial> {
  const stateDir = mkdtempSync(join(tmpdir(), "mqtt2go-cut-"));
  const extra = storeDelay ? ["--store-delay", String(storeDelay)] : [];
  try {
    await c.addDevice(req());
    const d = device(stateDir, extra);
    await d.firstLine;
    await new Promise((r) => setTimeout(r, cutMs));
    d.kill();
    await d.exit;
    const cutAfter = d.lines.length ? `${d.lines[d.lines.length - 1]?.event}` : "(nothing)";
    const account = w.stack.cloud.accounts.get(w.unit.identity.deviceId);
    w.testLog.secret(account?.password);
    // Old or new, never a mix: the record loads, and what it holds belongs to this onboarding.
    let atCut = "none";
    const problems: string[] = [];
    try {
      const rec = new CredentialStore(fileStore(stateDir)).load().record;
      if (rec) {
        atCut = rec.home ? "with prefix" : "credentials";
        if (rec.user !== account?.user || rec.password !== account.password) problems.push("record holds other credentials");
        if (rec.home && (rec.home.home !== w.stack.cloud.home || rec.home.gateway !== w.stack.cloud.gateway)) problems.push("record holds another prefix");
      }
    } catch (e) {
      problems.push(`record unreadable: ${(e as Error).message}`);
    }
    // The next boot: operational, or (record gone and the offer spent) a new add by the controller.
    let outcome = "failed";
    const next = device(stateDir, [...extra, "--until", "operational", "--timeout", "40000"]);
    let code = await next.exit;
    if (code === 0) outcome = "operational";
    else {
      await c.addDevice(req());
      const again = device(stateDir, [...extra, "--until", "operational", "--timeout", "40000"]);
      code = await again.exit;
      if (code === 0) outcome = "re-onboarded";
      else problems.push(`no operational after a new add (exit ${code}, last ${again.lines.at(-1)?.event})`);
    }
    return { flash, cutAfter, atCut, outcome, ok: problems.length === 0, detail: problems.join("; ") };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

for (const [flash, delay, span] of [["normal", 0, 1200], ["slow (40 ms/write)", 40, 2500]] as const) {
  test(`${CUTS} power cuts at random moments, ${flash} flash: old or new record, then operational or re-onboarded`, async () => {
    const rnd = seeded(SEED + delay);
    const mine: Trial[] = [];
    for (let i = 0; i < CUTS; i++) {
      const t = await trial(flash, delay, Math.floor(rnd() * span));
      trials.push(t);
      mine.push(t);
      process.stdout.write(`${t.ok ? "ok  " : "FAIL"} cut ${i + 1}/${CUTS} ${flash} after ${t.cutAfter}: record ${t.atCut}, ${t.outcome}${t.detail ? ` (${t.detail})` : ""}\n`);
    }
    assert.deepEqual(mine.filter((t) => !t.ok).map((t) => `${t.cutAfter}: ${t.detail}`), []);
  });
}
