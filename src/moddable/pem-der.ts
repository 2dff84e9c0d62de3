// PEM → DER for the certificate a broker issues at activation (PROTOCOL §5). XS on the device
// has no atob, so this is a small strict base64 decoder over the first CERTIFICATE block.

const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";

function sextet(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41; // A-Z
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26; // a-z
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52; // 0-9
  if (c === 0x2b) return 62; // +
  if (c === 0x2f) return 63; // /
  return -1;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Decodes padded base64 (whitespace ignored); throws on any other character or a bad length. */
export function base64ToBytes(text: string): Uint8Array {
  let count = 0;
  let pad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === 0x3d) pad++;
    else if (pad > 0 || sextet(c) < 0) throw new Error(`base64: unexpected character at ${i}`);
    count++;
  }
  if (count % 4 !== 0 || pad > 2) throw new Error("base64: length is not a multiple of 4");
  const out = new Uint8Array((count / 4) * 3 - pad);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 0x3d) continue;
    acc = (acc << 6) | sextet(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** DER bytes of the first `CERTIFICATE` block of `pem`; throws when there is none or it is not a DER SEQUENCE. */
export function pemToDer(pem: string): ArrayBuffer {
  const start = pem.indexOf(BEGIN);
  const end = start < 0 ? -1 : pem.indexOf(END, start + BEGIN.length);
  if (start < 0 || end < 0) throw new Error("PEM: no CERTIFICATE block");
  const der = base64ToBytes(pem.slice(start + BEGIN.length, end));
  if (der.length < 2 || der[0] !== 0x30) throw new Error("PEM: body is not a DER SEQUENCE");
  return der.buffer as ArrayBuffer;
}
