// Soak (npm run test:faults): 1,000 reconnect cycles of an operational Node device, each one a
// reset of its cloud connection by the fault proxy; the device's backoff draws 0 (immediate
// reconnects). Handles and the JS heap after GC must stay flat. Writes build/faults/soak-node.md.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { test } from "node:test";
import type { Phase } from "../../src/core/onboarding";
import { faultyWorld } from "../e2e/faulty-world";

const CYCLES = Number(process.env.SOAK_CYCLES ?? 1000);
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of process.getActiveResourcesInfo()) out[h] = (out[h] ?? 0) + 1;
  return out;
}
const total = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);

test(`${CYCLES} reconnect cycles: flat handles, flat heap`, async () => {
  const w = await faultyWorld();
  try {
    const id = w.unit.identity;
    const c = await w.stack.controller("cloud");
    await c.addDevice({ activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType });
    let operational = 0;
    let wake: (() => void) | undefined;
    const run = w.boot({
      random: () => 0,
      log: "none",
      onPhase: (p: Phase) => { if (p === "operational") { operational++; wake?.(); } },
    });
    for (let i = 0; i < 600 && operational === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(operational, 1, "onboarded");
    await c.close();
    const samples: { cycle: number; heapKb: number; handles: number; detail: Record<string, number> }[] = [];
    const sample = async (cycle: number) => {
      await new Promise((r) => setImmediate(r));
      gc();
      gc();
      const h = handles();
      samples.push({ cycle, heapKb: Math.round(process.memoryUsage().heapUsed / 1024), handles: total(h), detail: h });
    };
    await sample(0);
    for (let i = 1; i <= CYCLES; i++) {
      const before: number = operational;
      const back = new Promise<void>((r) => { wake = r; });
      assert.equal(w.cloudProxy.reset(), 1, `cycle ${i}: one live connection to reset`);
      await back;
      assert.equal(operational, before + 1);
      if (i % 100 === 0) await sample(i);
    }
    run.stop();
    const table = ["| cycle | JS heap after GC (KiB) | active handles |", "|---|---|---|", ...samples.map((s) => `| ${s.cycle} | ${s.heapKb} | ${s.handles} |`)].join("\n");
    process.stdout.write(`\nReconnect soak (Node):\n${table}\n`);
    mkdirSync("build/faults", { recursive: true });
    writeFileSync("build/faults/soak-node.md", table + "\n");
    // Flat: the same handles after the warm-up as at the end; the heap grows by less than 2 MiB
    // over the last 80% of the cycles (a leaked session, client or timer per cycle is ≥ 2 KiB).
    const warm = samples.find((s) => s.cycle >= CYCLES / 5) ?? samples[0];
    const last = samples[samples.length - 1];
    assert.ok(warm && last);
    assert.ok(last.handles <= warm.handles, `handles grew: ${JSON.stringify(warm.detail)} → ${JSON.stringify(last.detail)}`);
    assert.ok(last.heapKb - warm.heapKb < 2048, `heap grew ${last.heapKb - warm.heapKb} KiB from cycle ${warm.cycle} to ${last.cycle}`);
    assert.equal(w.cloudProxy.stats.accepted, CYCLES + 2, "one new connection per cycle (plus the onboarding's two)");
  } finally {
    await w.close();
  }
});
