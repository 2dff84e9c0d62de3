// LogSink for the serial console / simulator stdout: one line per record through trace().
import { formatJson, formatText } from "../core/log";
import type { LogLevel, LogRecord, LogSink } from "../core/ports";

const RANK: Readonly<Record<LogLevel, number>> = Object.freeze({ debug: 0, info: 1, warn: 2, error: 3 });

export function isLogLevel(s: string): s is LogLevel {
  return Object.prototype.hasOwnProperty.call(RANK, s);
}

/** Prints records at `level` or above, as text (default) or JSON lines. */
export function traceSink(level: LogLevel, format: "text" | "json" = "text"): LogSink {
  const min = RANK[level];
  const render = format === "json" ? formatJson : formatText;
  const sink: LogSink = (record: LogRecord) => {
    if (RANK[record.level] >= min) trace(render(record) + "\n");
  };
  sink.minLevel = level; // the logger drops lower records before masking them
  return sink;
}
