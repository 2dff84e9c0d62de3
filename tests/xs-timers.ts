// fast-check reads `setTimeout` when its module loads (for async property timeouts, unused here);
// xsnap has no timers. Import this before fast-check: it defines stand-ins that refuse to run.
const g = globalThis as { setTimeout?: unknown; clearTimeout?: unknown };
if (typeof g.setTimeout !== "function") {
  g.setTimeout = () => { throw new Error("no timers on this engine"); };
  g.clearTimeout = () => {};
}
