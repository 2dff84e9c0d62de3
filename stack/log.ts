// Stack logging: one line per event, never a secret (PROTOCOL §10). Fields whose name says
// they hold a secret are masked here (src/core/mask) whatever the caller passed.

import { mask, maskFields } from "../src/core/mask";

export type LogFields = Record<string, string | number | boolean | undefined>;
export type StackLog = (component: string, event: string, fields?: LogFields) => void;

export const silentLog: StackLog = () => {};

/** `<AC>/activation/...` and `<AC>/wifi/...` name the activation code: mask it. */
export function maskTopic(topic: string): string {
  const levels = topic.split("/");
  return levels[1] === "activation" || levels[1] === "wifi" ? [mask(levels[0]), ...levels.slice(1)].join("/") : topic;
}

function formatValue(v: string | number | boolean): string {
  const text = String(v);
  return /[\s"=]/.test(text) || text === "" ? JSON.stringify(text) : text;
}

export function formatLine(elapsedMs: number, component: string, event: string, fields: LogFields = {}): string {
  let line = `+${String(elapsedMs).padStart(6)}ms ${component.padEnd(10)} ${event}`;
  for (const [k, v] of Object.entries(maskFields(fields))) line += ` ${k}=${formatValue(v)}`;
  return line;
}

/** A log that writes one formatted line per event to `write` (stdout by default). */
export function lineLog(write: (line: string) => void = (l) => process.stdout.write(l + "\n"), start = Date.now()): StackLog {
  return (component, event, fields) => write(formatLine(Date.now() - start, component, event, fields));
}

/** One JSON object per event: `{"ms":…,"component":…,"event":…,…fields}` (fields masked). */
export function jsonLineLog(write: (line: string) => void = (l) => process.stdout.write(l + "\n"), start = Date.now()): StackLog {
  return (component, event, fields = {}) => write(JSON.stringify({ ms: Date.now() - start, component, event, ...maskFields(fields) }));
}
