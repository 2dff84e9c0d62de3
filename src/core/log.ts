// Log lines: one line per event, as text or JSON. createLogger masks every field on the way
// in, so no secret can reach a sink through it.
import { maskFields } from "./mask";
import type { ClockPort, LogLevel, LogRecord, LogSink } from "./ports";

const PHASE_WIDTH = 14;

// Characters that could break the one-line shape or the key=value split: C0 controls and space,
// `"`, `=`, DEL, NEL, NBSP, and the Unicode spaces, line/paragraph separators and BOM. A RegExp
// test is one native pass; a charCodeAt loop costs two calls per character on XS. Made on first
// use, never at module load (a preloaded RegExp is unsafe on the device, see ids.ts).
let unsafeRe: RegExp | undefined;
let unsafeAllRe: RegExp | undefined;

function hasUnsafe(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  return (unsafeRe ??= /[\x00-\x20"=\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/).test(s);
}

function name(s: string): string {
  if (s.length === 0) return "-";
  if (!hasUnsafe(s)) return s;
  // eslint-disable-next-line no-control-regex -- control characters are what it replaces
  return s.replace((unsafeAllRe ??= /[\x00-\x20"=\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/g), "_");
}

// Phases, events and field names are few and fixed (the code's own): each is rendered once. Made on
// first use (a Map built while the module is preloaded is read-only on the device); bounded, so a
// caller that makes up names costs a RegExp test per name and never grows it.
let names: Map<string, string> | undefined;
const NAMES_KEPT = 128;

function knownName(s: string): string {
  names ??= new Map<string, string>();
  let out = names.get(s);
  if (out === undefined) {
    out = name(s);
    if (names.size < NAMES_KEPT) names.set(s, out);
  }
  return out;
}

function uptime(ms: number): string {
  const t = Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0;
  const f = t % 1000;
  const s = `${Math.floor(t / 1000)}.${f < 10 ? "00" : f < 100 ? "0" : ""}${f}`;
  return s.length < 9 ? s.padStart(9, " ") : s;
}

// `[  uptime] phase         `: lines come in bursts within one millisecond and one phase (a command
// and its confirmation), so the last one is kept.
let headMs = NaN;
let headPhase = "";
let head = "";

function lineHead(ms: number, phase: string): string {
  if (ms !== headMs || phase !== headPhase) { // headMs starts as NaN: the first line always makes its head
    head = `[${uptime(ms)}] ${knownName(phase).padEnd(PHASE_WIDTH, " ")} `;
    headMs = ms;
    headPhase = phase;
  }
  return head;
}

function value(v: string | number | boolean): string {
  const s = typeof v === "string" ? v : String(v);
  if (s.length > 0 && !hasUnsafe(s)) return s;
  // JSON.stringify leaves these raw; some viewers break lines on them.
  return JSON.stringify(s).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `[   12.345] cloud     broker.connected host=broker.local port=8883`; levels other than info are tagged. */
export function formatText(r: LogRecord): string {
  let line = lineHead(r.uptimeMs, r.phase);
  if (r.level !== "info") line += `${r.level.toUpperCase()} `;
  line += knownName(r.event);
  const fields = r.fields;
  const keys = Object.keys(fields);
  for (let i = 0, n = keys.length; i < n; i++) line += ` ${knownName(keys[i])}=${value(fields[keys[i]])}`;
  return line;
}

const RESERVED: readonly string[] = Object.freeze(["t", "level", "phase", "event"]);

/** `{"t":12345,"level":"info","phase":"cloud","event":"...",...fields}`; a field named like a header key gets a leading "_". */
export function formatJson(r: LogRecord): string {
  const t = Number.isFinite(r.uptimeMs) && r.uptimeMs > 0 ? Math.floor(r.uptimeMs) : 0;
  let line = `{"t":${t},"level":${JSON.stringify(r.level)},"phase":${JSON.stringify(r.phase)},"event":${JSON.stringify(r.event)}`;
  for (const k of Object.keys(r.fields)) {
    let key = k;
    while (RESERVED.includes(key) || (key !== k && Object.prototype.hasOwnProperty.call(r.fields, key))) key = `_${key}`;
    const v = r.fields[k];
    line += `,${JSON.stringify(key)}:${typeof v === "number" && !Number.isFinite(v) ? JSON.stringify(String(v)) : JSON.stringify(v)}`;
  }
  return line + "}";
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = Object.freeze({ debug: 0, info: 1, warn: 2, error: 3 });
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

export type LogFn = (event: string, fields?: Record<string, unknown>) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/**
 * A logger that masks fields (maskFields) and stamps uptime and phase. `secrets` (the unit's
 * activation code, passwords) are masked inside any field value as a backstop. A throwing sink
 * is ignored: logging never breaks the caller.
 */
export function createLogger(
  sink: LogSink, clock: Pick<ClockPort, "uptimeMs">, getPhase: () => string, secrets?: () => readonly string[],
): Logger {
  const emit = (level: LogLevel): LogFn => (event, fields) => {
    // Level first: a record the sink would drop costs no masking and no formatting.
    const min = sink.minLevel;
    if (min !== undefined && (min === "off" || LEVEL_RANK[level] < LEVEL_RANK[min])) return;
    try {
      const masked = maskFields(fields ?? EMPTY, secrets?.());
      sink({ uptimeMs: clock.uptimeMs(), level, phase: getPhase(), event, fields: masked });
    } catch {
      // nowhere left to report it
    }
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
