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

export function isSecretField(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_SET.has(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s));
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

function plain(s: string): string {
  return pem().test(s) ? `PEM(${s.length} chars)` : s;
}

function secretValue(v: unknown): string {
  if (typeof v === "string") return mask(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") {
    try {
      return mask(JSON.stringify(v) ?? "");
    } catch {
      return STARS;
    }
  }
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return mask(String(v));
  return STARS;
}

function objectText(v: object): string {
  if (v instanceof Error) return `${v.name}: ${plain(v.message)}`;
  try {
    const text = JSON.stringify(v, (k, x: unknown) => {
      if (k !== "" && isSecretField(k) && x !== undefined) return secretValue(x);
      if (typeof x === "string") return plain(x);
      if (typeof x === "bigint") return String(x);
      return x;
    });
    return text ?? String(text);
  } catch {
    return "[unserializable]";
  }
}

/** The fields as a log sink may see them: secrets masked, PEM blocks abbreviated, objects flattened, strings capped. */
export function maskFields(fields: Record<string, unknown>): Record<string, LogValue> {
  const out: Record<string, LogValue> = {};
  for (const name of Object.keys(fields)) {
    const v = fields[name];
    if (v === undefined) continue;
    if (isSecretField(name)) out[name] = secretValue(v);
    else if (typeof v === "string") out[name] = truncate(plain(v));
    else if (typeof v === "boolean") out[name] = v;
    else if (typeof v === "number") out[name] = Number.isFinite(v) ? v : String(v);
    else if (v === null) out[name] = "null";
    else if (typeof v === "object") out[name] = truncate(objectText(v));
    else if (typeof v === "bigint") out[name] = String(v);
    else out[name] = `[${typeof v}]`;
  }
  return out;
}
