// A syntactic check of the PEM certificate a broker hands out (PROTOCOL §5). The TLS layer
// does the cryptographic checks; this only keeps junk out of the credential record.

/** Fits one NVS string (≤ 4000 bytes) with room to spare. */
export const MAX_CERT_CHARS = 3500;

const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isBase64(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
}

/**
 * Exactly one `CERTIFICATE` block (surrounding whitespace allowed) whose body is padded
 * base64 of a DER SEQUENCE (so it starts "MI").
 */
export function isPemCertificate(s: unknown): s is string {
  if (typeof s !== "string" || s.length > MAX_CERT_CHARS) return false;
  let start = 0, end = s.length;
  while (isSpace(s.charCodeAt(start))) start++; // NaN past either end stops both scans
  while (isSpace(s.charCodeAt(end - 1))) end--;
  // Markers that overlap leave an empty body, which the "MI" check below refuses.
  if (!s.startsWith(BEGIN, start) || !s.endsWith(END, end)) return false;
  let count = 0, pad = 0, first = "";
  for (let i = start + BEGIN.length; i < end - END.length; i++) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === 0x3d) pad++;
    else if (pad > 0 || !isBase64(c)) return false;
    if (count < 2) first += s[i];
    count++;
  }
  return pad <= 2 && count % 4 === 0 && first === "MI";
}
