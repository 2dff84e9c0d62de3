// The command → confirmation path on XS (npm run test:faults; issue 9 item 6): after a warm-up, 10^5
// `set` commands (each with its retained confirmation and two info lines formatted as text) leave
// the XS heap exactly as it was without them: nothing the path allocates survives it. xsnap gives JS
// no heap statistics; it writes a snapshot after the run (after gc()) and `xsnap -d` lists the
// snapshot's sections: HEAP (slots) and BLOC (chunks: strings, arrays' items) are the live heap.
import assert from "node:assert/strict";
import { test } from "node:test";
import { heapAfter, report, xsnap } from "./xs-heap";

const COUNTS = [0, Number(process.env.COMMANDS_XS ?? 100_000)];

test(`${COUNTS[1]} set commands through the device runtime on XS leave the heap exactly as none do`, async () => {
  const bin = xsnap();
  const rows = [];
  // Names of one length: the script's path is a string in the heap too.
  for (const n of COUNTS) rows.push({ n, ...(await heapAfter(bin, "xs-commands-main.ts", `xs-commands-${String(n).padStart(9, "0")}`, { COMMANDS: String(n) })) });
  report("XS command path", "set commands after warm-up", rows, "commands-xs.md");
  const [none, many] = rows;
  assert.ok(none && many && Number.isFinite(none.heap) && Number.isFinite(many.heap), "heap sizes read from the snapshots");
  assert.match(many.line, new RegExp(`\\s${1000 + COUNTS[1]} confirmations`), "every command confirmed");
  assert.equal(many.heap, none.heap, "slots left by the commands");
  assert.equal(many.chunks, none.chunks, "chunks left by the commands");
});
