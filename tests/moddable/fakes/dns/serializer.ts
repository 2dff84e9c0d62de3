// Fake of the SDK's `dns/serializer` (modules/network/dns/dnsserializer.js): records the
// records added; build() returns an ArrayBuffer that `questionsOf` reads back in tests.
export interface Rec { section: number; name: string; type: number; clss: number }

const built = new WeakMap<ArrayBuffer, Rec[]>();

export default class Serializer {
  readonly records: Rec[] = [];
  constructor(readonly options: { query?: boolean; opcode?: number; authoritative?: boolean; id?: number }) {}
  add(section: number, name: string, type: number, clss: number, _ttl?: number, _data?: unknown): void {
    this.records.push({ section, name, type, clss });
  }
  build(): ArrayBuffer {
    const b = new ArrayBuffer(12 + this.records.length);
    built.set(b, this.records.slice());
    return b;
  }
}

export function recordsOf(packet: ArrayBuffer): Rec[] {
  return built.get(packet) ?? [];
}
