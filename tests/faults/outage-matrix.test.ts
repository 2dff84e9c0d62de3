// Broker down at every step of a cloud onboarding × outage length (npm run test:faults).
// The Node device reaches the discovery broker and the cloud broker through fault proxies; at each
// step the broker in use goes down (refused + reset, or the reply lost on the wire, or a restart
// that loses every session) for 2, 10 or 30 s, or for longer than a shortened activation window.
// Every cell must end in a defined state: operational with its record and the controller told
// "success", or (an outage past the window, before the prefix was stored) rolled back with no
// record and no "success" ever told. Prints the table; writes it to build/faults/outage-matrix.md.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { decodeSetupResult } from "../../src/core/messages";
import type { Phase } from "../../src/core/onboarding";
import type { LogRecord } from "../../src/core/ports";
import { CredentialStore } from "../../src/core/record";
import { controllerAddIn } from "../../src/core/topics";
import { fileStore } from "../../hosts/node/ports/store";
import { faultyWorld, type FaultyWorld } from "../e2e/faulty-world";

/** Shortened activation window (device and discovery server) for the "past the window" column. */
const WINDOW_MS = Number(process.env.FAULTS_WINDOW_MS ?? 12_000);
const OUTAGES: { label: string; ms: number; pastWindow: boolean }[] = (process.env.FAULTS_OUTAGES ?? "2000,10000,30000,past")
  .split(",").map((v) => (v === "past" ? { label: `${(WINDOW_MS * 1.5) / 1000} s > window`, ms: WINDOW_MS * 1.5, pastWindow: true } : { label: `${Number(v) / 1000} s`, ms: Number(v), pastWindow: false }));

interface Step {
  name: string;
  /** The prefix is stored before this fault: an outage past the window must still end operational. */
  afterPrefix: boolean;
  /** Arms the fault: called synchronously for every device log line; returns true once the outage began. */
  arm(w: FaultyWorld, outageMs: number): { onLog(r: LogRecord): boolean; atBoot?: () => Promise<void> };
  /** Instead of a log event: the fault is applied once the controller heard "success". */
  afterSuccess?: (w: FaultyWorld, outageMs: number) => Promise<void>;
}

/** Heals `proxy` `ms` after `start`. */
const later = (ms: number, fn: () => Promise<void> | void) => { setTimeout(() => void fn(), ms); };

const STEPS: Step[] = [
  {
    name: "discovery broker down at the first connect", afterPrefix: false,
    arm: (w, ms) => ({
      atBoot: async () => { await w.discoveryProxy.down(); later(ms, () => w.discoveryProxy.heal()); },
      onLog: () => true,
    }),
  },
  {
    name: "broker_data reply lost, discovery down", afterPrefix: false,
    arm: (w, ms) => {
      let done = false;
      return {
        onLog: (r) => {
          if (done) return true;
          if (r.event === "init.connected") w.discoveryProxy.freeze("down");
          if (r.event === "request.sent") { done = true; void w.discoveryProxy.down(); later(ms, () => w.discoveryProxy.heal()); }
          return done;
        },
      };
    },
  },
  {
    name: "cloud broker down at the first operational connect", afterPrefix: false,
    arm: (w, ms) => {
      let done = false;
      return {
        onLog: (r) => {
          if (!done && r.event === "request.sent") { done = true; void w.cloudProxy.down(); later(ms, () => w.cloudProxy.heal()); }
          return done;
        },
      };
    },
  },
  {
    name: "home_prefix reply lost, cloud down", afterPrefix: false,
    arm: (w, ms) => {
      let done = false;
      return {
        onLog: (r) => {
          if (done) return true;
          if (r.event === "broker.connected") w.cloudProxy.freeze("down");
          if (r.event === "home_prefix.request") { done = true; void w.cloudProxy.down(); later(ms, () => w.cloudProxy.heal()); }
          return done;
        },
      };
    },
  },
  {
    name: "cloud down at the Last-Will reconnect", afterPrefix: true,
    arm: (w, ms) => {
      let done = false;
      return {
        onLog: (r) => {
          // Refused from the request on (the reply still arrives on the live session), reset once it did.
          if (!done && r.event === "home_prefix.request") { void w.cloudProxy.refuse(); }
          if (!done && r.event === "onboarding.complete") { done = true; w.cloudProxy.reset(); later(ms, () => w.cloudProxy.heal()); }
          return done;
        },
      };
    },
  },
  {
    name: "cloud broker restarts (sessions lost) when operational", afterPrefix: true,
    arm: () => ({ onLog: () => false }),
    afterSuccess: (w, ms) => w.stack.restartBroker("cloud", ms),
  },
];

interface Cell { step: string; outage: string; expected: string; got: string; ok: boolean; detail: string; seconds: number }
const cells: Cell[] = [];

async function runCell(step: Step, outage: (typeof OUTAGES)[number]): Promise<Cell> {
  const t0 = Date.now();
  const w = await faultyWorld(outage.pastWindow ? { ttlMs: WINDOW_MS } : {});
  try {
    const id = w.unit.identity;
    const c = await w.stack.controller("cloud");
    const arm = step.arm(w, outage.ms);
    let faultAt = 0;
    const phases: { phase: Phase; at: number }[] = [];
    const lines: string[] = [];
    await arm.atBoot?.();
    if (arm.atBoot) faultAt = Date.now();
    await c.addDevice({ activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType });
    const run = w.boot({
      config: outage.pastWindow ? { activationWindowMs: WINDOW_MS } : {},
      log: (line, r) => {
        lines.push(line);
        w.testLog.line(line);
        if (!faultAt && arm.onLog(r)) faultAt = Date.now();
      },
      onPhase: (phase) => { phases.push({ phase, at: Date.now() }); },
    });
    const expectOperational = step.afterPrefix || !outage.pastWindow;
    const expected = expectOperational ? "operational" : "rolled back";
    // The end state: operational after the fault healed, or unprovisioned.
    const told = () => c.received.filter((m) => m.topic === controllerAddIn(c.home, c.gateway)).map((m) => decodeSetupResult(m.payload)).filter((r) => r.ok && r.value.deviceId === id.deviceId).map((r) => (r.ok ? r.value.result : ""));
    if (step.afterSuccess) {
      for (let i = 0; i < 600 && !told().includes("success"); i++) await new Promise((r) => setTimeout(r, 100));
      faultAt = Date.now();
      void step.afterSuccess(w, outage.ms);
    }
    const limit = Date.now() + outage.ms + 120_000;
    const settled = (): string | undefined => {
      const healedAt = faultAt + outage.ms;
      if (faultAt && phases.some((p) => p.phase === "operational" && p.at > healedAt)) return "operational";
      if (phases.some((p) => p.phase === "unprovisioned")) return "rolled back";
      return undefined;
    };
    while (!settled() && Date.now() < limit) await new Promise((r) => setTimeout(r, 100));
    const got = settled() ?? `stuck in ${run.host.device.phase}`;
    // What the controller heard, and what the flash holds.
    if (got === "operational") for (let i = 0; i < 100 && !told().includes("success"); i++) await new Promise((r) => setTimeout(r, 100));
    const record = new CredentialStore(fileStore(w.stateDir)).load().record;
    const problems: string[] = [];
    if (got !== expected) problems.push(`ended ${got}`);
    if (got === "operational") {
      if (!record?.home) problems.push("no prefix in flash");
      if (!told().includes("success")) problems.push("controller not told success");
      // A controller that logs in now (the first one may have lost its session to a restart) sees it online.
      const late = await w.stack.controller("cloud");
      await late.awaitStatus(id.deviceId, "online", 10_000).catch(() => problems.push("status not online"));
    } else if (got === "rolled back") {
      if (record) problems.push("record left in flash");
      if (told().includes("success")) problems.push("controller told success");
      if (run.host.device.snapshot.reason !== "activation_expired") problems.push(`reason ${run.host.device.snapshot.reason}`);
    }
    if (!faultAt) problems.push("fault never triggered");
    run.stop();
    const reports = told().join("+") || "nothing";
    return {
      step: step.name, outage: outage.label, expected, got, ok: problems.length === 0,
      detail: problems.length ? problems.join("; ") : `controller heard: ${reports}`, seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    await w.close();
  }
}

const only = process.env.FAULTS_ONLY;
for (const step of STEPS) {
  if (only && !step.name.includes(only)) continue;
  test(`outage: ${step.name}`, async () => {
    const mine: Cell[] = [];
    for (const outage of OUTAGES) {
      const cell = await runCell(step, outage);
      cells.push(cell);
      mine.push(cell);
      process.stdout.write(`${cell.ok ? "ok  " : "FAIL"} ${step.name} | ${cell.outage} | ${cell.got} | ${cell.detail} | ${cell.seconds} s\n`);
    }
    assert.deepEqual(mine.filter((c) => !c.ok).map((c) => `${c.outage}: ${c.detail}`), []);
  });
}

after(() => {
  if (!cells.length) return;
  const cols = [...new Set(cells.map((c) => c.outage))];
  const rows = [...new Set(cells.map((c) => c.step))];
  const table = [
    `| step (cloud onboarding) | ${cols.join(" | ")} |`,
    `|---|${cols.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r} | ${cols.map((col) => {
      const c = cells.find((x) => x.step === r && x.outage === col);
      return c ? `${c.ok ? "✔" : "✘"} ${c.got}${c.ok ? "" : ` (${c.detail})`}` : "";
    }).join(" | ")} |`),
  ].join("\n");
  process.stdout.write(`\nOutage matrix (window ${WINDOW_MS / 1000} s in the last column):\n${table}\n`);
  mkdirSync("build/faults", { recursive: true });
  writeFileSync("build/faults/outage-matrix.md", table + "\n");
});
