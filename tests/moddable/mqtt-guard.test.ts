// src/moddable/mqtt-guard.ts: an oversized PUBLISH is refused from its fixed header, before the
// SDK's parser could allocate its declared payload (issue 8 item 6). The parser below stands in
// for the SDK's Client.received: it allocates each packet's declared length, as the SDK does for
// a PUBLISH payload, and records the largest allocation.
import { assert, deepEqual, equal, test } from "../harness";
import { MAX_PUBLISH_REMAINING, PublishGuard } from "../../src/moddable/mqtt-guard";

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function utf8(s: string): number[] {
  return Array.from(new TextEncoderLite().encode(s));
}

// ES2022 has no TextEncoder on xsnap: a small UTF-8 encoder.
class TextEncoderLite {
  encode(s: string): Uint8Array {
    const out: number[] = [];
    for (const ch of s) {
      const c = ch.codePointAt(0) ?? 0;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return Uint8Array.from(out);
  }
}

function publish(topic: string, payloadBytes: number, retain = false): Uint8Array {
  const t = utf8(topic);
  const remaining = 2 + t.length + payloadBytes;
  const head = [0x30 | (retain ? 1 : 0), ...varint(remaining), t.length >> 8, t.length & 0xff, ...t];
  const p = new Uint8Array(head.length + payloadBytes);
  p.set(head, 0);
  for (let i = 0; i < payloadBytes; i++) p[head.length + i] = 0x61 + (i % 26);
  return p;
}

const CONNACK = Uint8Array.of(0x20, 0x02, 0x00, 0x00);
const SUBACK = Uint8Array.of(0x90, 0x03, 0x00, 0x01, 0x00);
const PINGRESP = Uint8Array.of(0xd0, 0x00);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A parser that allocates what the packet declares, like the SDK's; yields [type, length, topic]. */
class AllocatingParser {
  packets: string[] = [];
  maxAllocation = 0;
  #buf: number[] = [];
  feed(chunk: ArrayBuffer): void {
    for (const b of new Uint8Array(chunk)) this.#buf.push(b);
    for (;;) {
      if (this.#buf.length < 2) return;
      let len = 0, mul = 1, i = 1;
      for (;;) {
        if (i >= this.#buf.length) return;
        const b = this.#buf[i++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if (!(b & 0x80)) break;
      }
      const type = (this.#buf[0]) >> 4;
      if (type === 3 && this.#buf.length >= i + 2) this.maxAllocation = Math.max(this.maxAllocation, len); // SDK: payload buffer sized from the header
      if (this.#buf.length < i + len) return;
      const body = this.#buf.slice(i, i + len);
      this.#buf = this.#buf.slice(i + len);
      let topic = "";
      if (type === 3) topic = String.fromCharCode(...body.slice(2, 2 + (((body[0]) << 8) | (body[1]))));
      this.packets.push(`${type}:${len}${topic ? `:${topic}` : ""}`);
    }
  }
}

function run(stream: Uint8Array, cuts: number[], limit?: number): { parser: AllocatingParser; refused: [string, number][]; copies: number } {
  const refused: [string, number][] = [];
  const guard = new PublishGuard((t, n) => refused.push([t, n]), limit);
  const parser = new AllocatingParser();
  let copies = 0, at = 0;
  for (const end of [...cuts, stream.length]) {
    if (end <= at) continue;
    const chunk = stream.slice(at, end).buffer;
    const parts = guard.filter(chunk);
    for (const p of parts) { if (p !== chunk) copies++; parser.feed(p); }
    at = end;
  }
  return { parser, refused, copies };
}

const T = "home1/gw1/dev-socket-0001/switch/in";

test("mqtt guard: a 1 MB retained PUBLISH is refused from its header; everything around it reaches the parser; no allocation over the limit", () => {
  const big = publish(T, 1 << 20, true);
  const stream = concat([CONNACK, SUBACK, publish(T, 20), big, publish(T, 30), PINGRESP]);
  const cuts: number[] = [];
  for (let i = 1460; i < stream.length; i += 1460) cuts.push(i); // TCP segments
  const { parser, refused, copies } = run(stream, cuts);
  deepEqual(refused, [[T, 1 << 20]]);
  deepEqual(parser.packets, ["2:2", "9:3", `3:${2 + T.length + 20}:${T}`, `3:${2 + T.length + 30}:${T}`, "13:0"]);
  assert(parser.maxAllocation <= MAX_PUBLISH_REMAINING, `largest allocation ${parser.maxAllocation}`);
  assert(copies <= 4, `${copies} copies: chunks that pass whole are handed over as they are`);
});

test("mqtt guard: the same at every split point and in 1-byte chunks (header, topic and payload split anywhere)", () => {
  const stream = concat([CONNACK, publish(T, 10), publish(T, 300), publish("a/b", 5), PINGRESP]);
  const expected = ["2:2", `3:${2 + T.length + 10}:${T}`, `3:${2 + 3 + 5}:a/b`, "13:0"];
  for (let cut = 1; cut < stream.length; cut++) {
    const { parser, refused } = run(stream, [cut], 200);
    deepEqual(parser.packets, expected, `cut at ${cut}`);
    deepEqual(refused, [[T, 300]], `cut at ${cut}`);
    assert(parser.maxAllocation <= 200, `cut at ${cut}: allocation ${parser.maxAllocation}`);
  }
  const bytes = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
  const { parser, refused } = run(stream, bytes, 200);
  deepEqual(parser.packets, expected, "1-byte chunks");
  deepEqual(refused, [[T, 300]]);
});

test("mqtt guard: a PUBLISH at the limit passes; one byte over is refused; a 4-byte remaining length is read", () => {
  const at = publish("t", MAX_PUBLISH_REMAINING - 3);
  const over = publish("t", MAX_PUBLISH_REMAINING - 2);
  const r1 = run(at, []);
  equal(r1.refused.length, 0);
  equal(r1.parser.packets.length, 1);
  const r2 = run(over, []);
  deepEqual(r2.refused, [["t", MAX_PUBLISH_REMAINING - 2]]);
  equal(r2.parser.packets.length, 0);
  // 2^21 + bytes: a 4-byte remaining-length field, cut inside it
  const huge = publish("x/y", (1 << 21) + 7);
  const r3 = run(concat([huge, PINGRESP]), [2, 3, 4]);
  deepEqual(r3.refused, [["x/y", (1 << 21) + 7]]);
  deepEqual(r3.parser.packets, ["13:0"]);
});

test("mqtt guard: an empty-topic or over-long-topic PUBLISH is skipped whole and reported without its topic", () => {
  const long = "a".repeat(2000);
  const r = run(concat([publish(long, 5000), publish("", 6000), PINGRESP]), [700, 3000, 6000]);
  deepEqual(r.refused, [["", 5000], ["", 6000]]);
  deepEqual(r.parser.packets, ["13:0"]);
});
