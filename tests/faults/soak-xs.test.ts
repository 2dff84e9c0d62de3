// Soak on XS (npm run test:faults): 10^5 events through the device runtime on xsnap, with a flat
// XS heap. xsnap gives JS no heap statistics; it writes a snapshot of the machine after the run
// (after a GC), and `xsnap -d` lists the snapshot's sections: HEAP (slots) and BLOC (chunks) are
// the live heap. The same program with 10^4 and with 10^5 events must leave the same heap.
import assert from "node:assert/strict";
import { test } from "node:test";
import { heapAfter, report, xsnap } from "./xs-heap";

const EVENTS = [10_000, Number(process.env.SOAK_XS_EVENTS ?? 100_000)];

test(`${EVENTS[1]} events through the device runtime on XS leave the heap as ${EVENTS[0]} do`, async () => {
  const bin = xsnap();
  const rows = [];
  for (const n of EVENTS) rows.push({ n, ...(await heapAfter(bin, "xs-soak-main.ts", `xs-soak-${n}`, { SOAK_EVENTS: String(n) })) });
  report("XS soak", "events", rows, "soak-xs.md");
  const [small, big] = rows;
  assert.ok(small && big && Number.isFinite(small.heap) && Number.isFinite(big.heap), "heap sizes read from the snapshots");
  // Flat: 10x the events may not grow the live heap by more than 2% (noise of where GC lands).
  assert.ok(big.heap <= small.heap * 1.02, `heap slots ${small.heap} → ${big.heap}`);
  assert.ok(big.chunks <= small.chunks * 1.02 + 4096, `chunks ${small.chunks} → ${big.chunks}`);
});
