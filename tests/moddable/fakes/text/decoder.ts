// Fake of the SDK's `text/decoder` (TextDecoder, UTF-8 only, as the SDK's): decode(ArrayBuffer).
export default class TextDecoder {
  decode(buffer: ArrayBuffer): string {
    const b = new Uint8Array(buffer);
    let s = "";
    for (let i = 0; i < b.length;) {
      const c = b[i] ?? 0;
      const n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      let cp = n === 1 ? c : c & (0xff >> (n + 1));
      for (let k = 1; k < n; k++) cp = (cp << 6) | ((b[i + k] ?? 0) & 0x3f);
      s += String.fromCodePoint(cp);
      i += n;
    }
    return s;
  }
}
