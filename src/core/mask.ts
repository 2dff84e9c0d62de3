// Masking of secrets for logs (PROTOCOL §10: passwords, private keys and activation codes
// never appear; at most their last 2 characters).

export type LogValue = string | number | boolean;

/** Field names whose values are always masked (compared case-insensitively). */
export const SECRET_FIELDS: readonly string[] = Object.freeze([
  "password", "pass", "passphrase", "key", "private_key", "activation_code", "code", "ac", "clientKey", "token",
]);

const SECRET_SET = new Set(SECRET_FIELDS.map((f) => f.toLowerCase()));
// Names that are secret under any prefix, e.g. wifi_password, mqttPassword, privateKey.
const SECRET_SUFFIXES: readonly string[] = Object.freeze(["password", "passphrase", "secret", "token", "privatekey", "private_key", "activation_code", "activationcode"]);

export const MAX_LOG_STRING = 120;
const STARS = "******";
// Made on first use, never at module load: the module is preloaded (run at build time) and XS 17.7
// crashes in RegExp.prototype.exec on a preloaded RegExp after a few GCs (README).
let pemRe: RegExp | undefined;
const pem = (): RegExp => (pemRe ??= /-----BEGIN [A-Z0-9 ]+-----/);

// Field names are few and fixed (the code's own): each is judged once.
// Made on first use: a Map built while the module is preloaded is read-only on the device, and its
// set() would throw inside the logger (the record dropped without a word).
let verdicts: Map<string, boolean> | undefined;

export function isSecretField(name: string): boolean {
  verdicts ??= new Map<string, boolean>();
  let v = verdicts.get(name);
  if (v === undefined) {
    const n = name.toLowerCase();
    v = SECRET_SET.has(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s));
    if (verdicts.size < 256) verdicts.set(name, v);
  }
  return v;
}

/** "******" plus, for secrets of 6 or more characters, the last 2 (the star count hides the length). */
export function mask(secret: string): string {
  const s = String(secret);
  if (s.length < 6) return STARS;
  let tail = s.slice(-2);
  const first = tail.charCodeAt(0);
  if (first >= 0xdc00 && first <= 0xdfff) tail = tail.slice(1); // half of a surrogate pair shows nothing useful
  return STARS + tail;
}

function truncate(s: string): string {
  if (s.length <= MAX_LOG_STRING) return s;
  let cut = MAX_LOG_STRING - 3;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return s.slice(0, cut) + "...";
}

const PEM_HEADER = "-----BEGIN ";

function plain(s: string): string {
  return s.includes(PEM_HEADER) && pem().test(s) ? `PEM(${s.length} chars)` : s;
}

/** Shorter secrets are not searched for: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Backstop: any of `secrets` found inside a value is masked wherever it sits. */
function scrubbed(v: string, secrets: readonly string[] | undefined): string {
  if (secrets === undefined) return v;
  for (let i = 0; i < secrets.length; i++) {
    const s = secrets[i];
    if (s.length >= MIN_SECRET_LENGTH && v.includes(s)) v = v.split(s).join(mask(s));
  }
  return v;
}

/**
 * One search for everything plain() and scrubbed() look for in a value: a PEM header or any
 * searched-for secret. A value it does not match leaves both unchanged, so most values cost one
 * length check (shorter than every needle) or one native RegExp test instead of a pass per secret.
 */
interface Needles { readonly list: readonly string[] | undefined; readonly shortest: number; readonly any: RegExp | undefined }

// Made on first use (a preloaded RegExp is unsafe on the device) and kept while the secrets stay the
// same. Compared by content, not by array: a caller that changes its list in place must not get a
// pattern that misses a new secret.
let needlesOf: Needles | undefined;

function sameSecrets(kept: readonly string[] | undefined, secrets: readonly string[] | undefined): boolean {
  if (kept === undefined || secrets === undefined) return kept === secrets;
  if (kept.length !== secrets.length) return false;
  for (let i = 0; i < kept.length; i++) if (kept[i] !== secrets[i]) return false;
  return true;
}

function hasSurrogate(s: string): boolean {
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

function needles(secrets: readonly string[] | undefined): Needles {
  if (needlesOf !== undefined && sameSecrets(needlesOf.list, secrets)) return needlesOf;
  const list = secrets === undefined ? undefined : secrets.slice();
  let shortest = PEM_HEADER.length;
  let source = PEM_HEADER;
  if (secrets !== undefined) {
    for (let i = 0; i < secrets.length; i++) {
      const s = secrets[i];
      if (s.length < MIN_SECRET_LENGTH) continue;
      if (s.length < shortest) shortest = s.length;
      // Surrogates are matched differently by engines that keep strings as UTF-8: such a secret is
      // left to the full passes rather than trusted to the pattern.
      if (hasSurrogate(s)) return (needlesOf = { list, shortest: 0, any: undefined });
      source += "|" + s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
    }
  }
  let any: RegExp | undefined;
  try {
    any = new RegExp(source);
  } catch {
    // a secret the engine cannot take as a pattern: every value takes the full passes
    return (needlesOf = { list, shortest: 0, any: undefined });
  }
  return (needlesOf = { list, shortest, any });
}

function mayHold(v: string, n: Needles): boolean {
  return v.length >= n.shortest && (n.any === undefined || n.any.test(v));
}

function secretValue(v: unknown): string {
  if (typeof v === "string") return mask(v);
  if (v === null) return "null";
  if (typeof v === "object") {
    try {
      return mask(JSON.stringify(v) ?? "");
    } catch {
      // a cycle: stars only, below
    }
  }
  // true and false are shorter than 6 characters: stars only, like anything else left
  if (typeof v === "number" || typeof v === "bigint") return mask(String(v));
  return STARS;
}

function objectText(v: object | null): string {
  if (v instanceof Error) return `${v.name}: ${plain(v.message)}`;
  try {
    const text = JSON.stringify(v, (k, x: unknown) => {
      if (isSecretField(k) && x !== undefined) return secretValue(x);
      if (typeof x === "string") return plain(x);
      if (typeof x === "bigint") return String(x);
      return x;
    });
    return text ?? String(text);
  } catch {
    return "[unserializable]";
  }
}

/**
 * The fields as a log sink may see them, in one pass: secrets masked (by field name, and any of
 * `secrets` inside any string value), PEM blocks abbreviated, objects flattened, strings capped.
 */
export function maskFields(fields: Readonly<Record<string, unknown>>, secrets?: readonly string[]): Record<string, LogValue> {
  const out: Record<string, LogValue> = {};
  const names = Object.keys(fields);
  let n: Needles | undefined;
  for (let i = 0, count = names.length; i < count; i++) {
    const name = names[i];
    const v = fields[name];
    if (v === undefined) continue;
    if (isSecretField(name)) out[name] = secretValue(v);
    else if (typeof v === "string") out[name] = truncate(mayHold(v, (n ??= needles(secrets))) ? scrubbed(plain(v), secrets) : v);
    else if (typeof v === "boolean") out[name] = v;
    else if (typeof v === "number") out[name] = Number.isFinite(v) ? v : String(v);
    else if (typeof v === "object") { // null too: "null"
      const text = objectText(v);
      out[name] = truncate(mayHold(text, (n ??= needles(secrets))) ? scrubbed(text, secrets) : text);
    }
    else if (typeof v === "bigint") out[name] = String(v);
    else out[name] = `[${typeof v}]`;
  }
  return out;
}
