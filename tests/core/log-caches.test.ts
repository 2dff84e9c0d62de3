// formatText keeps the names it has rendered (phases, events, field names) and the last line head:
// neither may change what a line says, and the name cache stays bounded.
import { assert, equal, test } from "../harness";
import { formatText } from "../../src/core/log";
import type { LogRecord } from "../../src/core/ports";

const rec = (over: Partial<LogRecord> = {}): LogRecord => ({ uptimeMs: 12345, level: "info", phase: "cloud", event: "e", fields: {}, ...over });

test("log caches: the line head follows the uptime and the phase, whichever changes", () => {
  equal(formatText(rec()), "[   12.345] cloud          e");
  equal(formatText(rec({ phase: "operational" })), "[   12.345] operational    e");
  equal(formatText(rec({ phase: "operational", uptimeMs: 12346 })), "[   12.346] operational    e");
  equal(formatText(rec({ phase: "cloud", uptimeMs: 12346 })), "[   12.346] cloud          e");
  equal(formatText(rec({ phase: "cloud", uptimeMs: 12346.9 })), "[   12.346] cloud          e");
  equal(formatText(rec({ phase: "cloud", uptimeMs: NaN })), "[    0.000] cloud          e");
  equal(formatText(rec({ phase: "cloud", uptimeMs: NaN })), "[    0.000] cloud          e");
  equal(formatText(rec({ phase: "", uptimeMs: NaN })), "[    0.000] -              e");
});

test("log caches: made-up names beyond what is kept are still rendered safely, and kept names stay right", () => {
  for (let i = 0; i < 300; i++) {
    const line = formatText(rec({ event: `ev ${i}`, fields: { [`k=${i}`]: i, ok: true } }));
    equal(line, `[   12.345] cloud          ev_${i} k_${i}=${i} ok=true`);
  }
  equal(formatText(rec({ event: "ev 5", phase: "a b" })), "[   12.345] a_b            ev_5");
  assert(formatText(rec({ event: "x\ny" })).endsWith(" x_y"));
});
