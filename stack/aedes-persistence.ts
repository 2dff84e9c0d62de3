// aedes-persistence's in-memory persistence with its retained messages in a RetainedIndex: the
// same sessions, subscriptions, wills and queues, but a SUBSCRIBE no longer scans every retained
// message (the stock createRetainedStream tests each retained topic against the filter).
import { createRequire } from "node:module";
import { Readable } from "node:stream";
import type { AedesPersistence } from "aedes-persistence";
import { RetainedIndex } from "./retained-index";

interface RetainedPacket { topic: string; payload: Buffer | string }

const require = createRequire(import.meta.url);
type AsyncCtor = new (opts?: object) => object;
type CallBackCtor = new (factory: (opts: object) => object, opts?: object) => AedesPersistence;
const MemoryPersistence = require("aedes-persistence/asyncPersistence.js") as AsyncCtor;
const { CallBackPersistence } = require("aedes-persistence/callBackPersistence.js") as { CallBackPersistence: CallBackCtor };

class IndexedMemoryPersistence extends MemoryPersistence {
  readonly retained = new RetainedIndex<RetainedPacket>();

  storeRetained(pkt: RetainedPacket): Promise<void> {
    const packet = { ...pkt };
    if (packet.payload.length === 0) this.retained.delete(packet.topic);
    else this.retained.set(packet.topic, packet);
    return Promise.resolve();
  }

  createRetainedStream(pattern: string): Readable {
    return Readable.from(this.retained.match(pattern));
  }

  createRetainedStreamCombi(patterns: readonly string[]): Readable {
    const index = this.retained;
    return Readable.from((function* () { for (const p of patterns) yield* index.match(p); })());
  }
}

/** The persistence the stack's aedes brokers run on; `retained` is its index (tests read its counter). */
export function indexedMemoryPersistence(): AedesPersistence & { readonly retained: RetainedIndex<RetainedPacket> } {
  let inner: IndexedMemoryPersistence | undefined;
  const p = new CallBackPersistence((opts) => (inner = new IndexedMemoryPersistence(opts)));
  // The factory ran inside the constructor.
  return Object.assign(p, { retained: inner!.retained });
}
