// Refuses an oversized MQTT PUBLISH from its fixed header, before the SDK's `mqtt` client sees it.
//
// The SDK's parser (modules/network/mqtt/mqtt.js, Client.received) allocates a buffer of the
// declared payload length as soon as it has read a PUBLISH's topic, so a 1 MB retained message on
// `+/in` would be allocated in full on every reconnect before our 4 KiB check. This framer sits in
// front of it: it follows the packet boundaries of the byte stream (fixed header: type byte and
// 1–4 byte remaining length), passes every other packet through untouched, and consumes a PUBLISH
// whose remaining length is over the limit itself: it keeps its topic (bounded) and skips the
// payload without storing it, then reports (topic, payload bytes) so the core can answer
// `payload_too_large` (PROTOCOL §8). No allocation depends on a declared length.
// Pure ES2022: no SDK import, so it is unit-tested on xsnap and Node.
import { MAX_PAYLOAD_BYTES } from "../core/messages";

/** Topic, packet id and header overhead allowed on top of the payload limit. */
export const PUBLISH_OVERHEAD_BYTES = 1024;
/** A PUBLISH with a larger remaining length is refused before any allocation. */
export const MAX_PUBLISH_REMAINING = MAX_PAYLOAD_BYTES + PUBLISH_OVERHEAD_BYTES;
/** Longest topic kept from a refused PUBLISH (longer ones are reported without their topic). */
export const MAX_TOPIC_BYTES = 512;

const PUBLISH = 3;

type Phase =
  | { at: "type" }
  | { at: "length"; type: number; length: number; shift: number; header: number[] }
  | { at: "pass"; left: number }
  | { at: "topic_length"; left: number; have: number; topicLength: number }
  | { at: "topic"; left: number; topicLength: number; topic: number[] | undefined }
  | { at: "skip"; left: number; topic: string; payload: number };

export type Refused = (topic: string, payloadBytes: number) => void;

function utf8(bytes: readonly number[]): string {
  let s = "";
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    let cp: number, n: number;
    if (b < 0x80) { cp = b; n = 1; } else if (b >= 0xf0) { cp = b & 0x07; n = 4; } else if (b >= 0xe0) { cp = b & 0x0f; n = 3; } else { cp = b & 0x1f; n = 2; }
    for (let k = 1; k < n; k++) cp = (cp << 6) | ((bytes[i + k] ?? 0x80) & 0x3f);
    s += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
    i += n;
  }
  return s;
}

export class PublishGuard {
  #phase: Phase = { at: "type" };
  #refusedCount = 0;

  constructor(private readonly onRefused: Refused, private readonly limit: number = MAX_PUBLISH_REMAINING) {}

  /** PUBLISH packets refused so far. */
  get refused(): number {
    return this.#refusedCount;
  }

  /**
   * The parts of `chunk` the SDK parser may see, in order. The chunk itself when all of it passes
   * (the usual case, no copy); otherwise copies of the passing ranges (each starts at offset 0, as
   * the SDK's parser requires of the buffer it is given).
   */
  filter(chunk: ArrayBuffer): ArrayBuffer[] {
    const bytes = new Uint8Array(chunk);
    const out: ArrayBuffer[] = [];
    let passFrom = -1; // start of the current pass-through range in this chunk
    const flush = (end: number): void => {
      if (passFrom >= 0 && end > passFrom) out.push(chunk.slice(passFrom, end));
      passFrom = -1;
    };
    const pass = (from: number): void => {
      if (passFrom < 0) passFrom = from;
    };
    let i = 0;
    while (i < bytes.length) {
      const p = this.#phase;
      switch (p.at) {
        case "type":
          this.#phase = { at: "length", type: (bytes[i]) >> 4, length: 0, shift: 0, header: [bytes[i]] };
          i++;
          break;
        case "length": {
          const b = bytes[i];
          p.header.push(b);
          p.length += (b & 0x7f) * 2 ** p.shift;
          p.shift += 7;
          i++;
          if (b & 0x80 && p.header.length < 5) break;
          const headerStart = i - p.header.length;
          if (p.type === PUBLISH && p.length > this.limit) {
            // Refused: nothing of this packet goes to the parser (header bytes held from an earlier chunk are dropped).
            flush(Math.max(headerStart, 0));
            this.#phase = { at: "topic_length", left: p.length, have: 0, topicLength: 0 };
            if (p.length === 0) this.#phase = { at: "type" };
            break;
          }
          if (headerStart >= 0) pass(headerStart);
          else {
            // The header began in an earlier chunk (held back there): hand all of it over first.
            out.push(Uint8Array.from(p.header).buffer);
            pass(i);
          }
          this.#phase = p.length > 0 ? { at: "pass", left: p.length } : { at: "type" };
          break;
        }
        case "pass": {
          pass(i);
          const n = Math.min(p.left, bytes.length - i);
          i += n;
          p.left -= n;
          if (p.left === 0) this.#phase = { at: "type" };
          break;
        }
        case "topic_length":
          p.topicLength = p.topicLength * 256 + (bytes[i]);
          p.have++;
          p.left--;
          i++;
          if (p.have === 2) {
            const topicLength = Math.min(p.topicLength, p.left);
            this.#phase = { at: "topic", left: p.left, topicLength, topic: topicLength <= MAX_TOPIC_BYTES ? [] : undefined };
            if (topicLength === 0) this.#phase = { at: "skip", left: p.left, topic: "", payload: p.left };
          } else if (p.left === 0) this.#finish("", 0);
          break;
        case "topic": {
          const n = Math.min(p.topicLength, bytes.length - i);
          if (p.topic) for (let k = 0; k < n; k++) p.topic.push(bytes[i + k]);
          i += n;
          p.left -= n;
          p.topicLength -= n;
          if (p.topicLength === 0) {
            const topic = p.topic ? utf8(p.topic) : "";
            this.#phase = { at: "skip", left: p.left, topic, payload: p.left };
            if (p.left === 0) this.#finish(topic, 0);
          }
          break;
        }
        case "skip": {
          const n = Math.min(p.left, bytes.length - i);
          i += n;
          p.left -= n;
          if (p.left === 0) this.#finish(p.topic, p.payload);
          break;
        }
      }
    }
    // A header still incomplete at the end of the chunk is held back until its packet is judged.
    const held = this.#phase.at === "length" ? Math.min(this.#phase.header.length, bytes.length) : 0;
    if (out.length === 0 && passFrom === 0 && held === 0) return [chunk];
    flush(bytes.length - held);
    return out;
  }

  #finish(topic: string, payload: number): void {
    this.#phase = { at: "type" };
    this.#refusedCount++;
    this.onRefused(topic, payload);
  }
}
