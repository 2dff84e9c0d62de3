// CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320, init and final xor 0xFFFFFFFF)
// over the UTF-8 bytes of a string, encoded here so no TextEncoder is needed.

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  return (table ??= new Uint32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  }));
}

/** CRC-32 of the UTF-8 encoding of `text` (a lone surrogate is encoded as U+FFFD), unsigned. */
export function crc32(text: string): number {
  const t = crcTable();
  let crc = 0xffffffff;
  // for-of, not charCodeAt(i): indexed access is O(i) on XS, whose strings are UTF-8 inside.
  for (const ch of text) {
    let cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) {
      crc = t[(crc ^ cp) & 0xff] ^ (crc >>> 8);
    } else if (cp < 0x800) {
      crc = t[(crc ^ (0xc0 | (cp >> 6))) & 0xff] ^ (crc >>> 8);
      crc = t[(crc ^ (0x80 | (cp & 0x3f))) & 0xff] ^ (crc >>> 8);
    } else if (cp < 0x10000) {
      crc = t[(crc ^ (0xe0 | (cp >> 12))) & 0xff] ^ (crc >>> 8);
      crc = t[(crc ^ (0x80 | ((cp >> 6) & 0x3f))) & 0xff] ^ (crc >>> 8);
      crc = t[(crc ^ (0x80 | (cp & 0x3f))) & 0xff] ^ (crc >>> 8);
    } else {
      crc = t[(crc ^ (0xf0 | (cp >> 18))) & 0xff] ^ (crc >>> 8);
      crc = t[(crc ^ (0x80 | ((cp >> 12) & 0x3f))) & 0xff] ^ (crc >>> 8);
      crc = t[(crc ^ (0x80 | ((cp >> 6) & 0x3f))) & 0xff] ^ (crc >>> 8);
      crc = t[(crc ^ (0x80 | (cp & 0x3f))) & 0xff] ^ (crc >>> 8);
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}
