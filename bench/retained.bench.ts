// aedes's retained messages: what N device SUBSCRIBEs cost with N retained states, the stock
// in-memory persistence (a scan per SUBSCRIBE) and the stack's indexed one, side by side.
import type { Readable } from "node:stream";
import memory, { type AedesPersistence } from "aedes-persistence";
import { indexedMemoryPersistence } from "../stack/aedes-persistence";

const N = Number(process.env.RETAINED_N ?? 2000);
const packet = (topic: string): unknown => ({ cmd: "publish", topic, payload: Buffer.from("{\"value\":\"online\"}"), qos: 0, retain: true, dup: false });

async function drain(s: Readable): Promise<number> {
  let n = 0;
  for await (const _ of s) n++;
  return n;
}

async function run(p: AedesPersistence): Promise<{ ms: number; found: number }> {
  const store = (p.storeRetained as unknown as (packet: unknown) => Promise<void>).bind(p);
  for (let i = 0; i < N; i++) {
    await store(packet(`home-1/gw/dev-${i}/status/out`));
    await store(packet(`home-1/gw/dev-${i}/switch/out`));
  }
  const t0 = performance.now();
  let found = 0;
  // Each device's (re)connect: SUBSCRIBE <DID>/home/in and <H>/<G>/<DID>/+/in.
  for (let i = 0; i < N; i++) found += await drain(p.createRetainedStreamCombi([`dev-${i}/home/in`, `home-1/gw/dev-${i}/+/in`]));
  return { ms: performance.now() - t0, found };
}

const stock = await run(memory());
const indexed = await run(indexedMemoryPersistence());
if (stock.found !== indexed.found) throw new Error(`different answers: ${stock.found} vs ${indexed.found}`);
const result = { retained: 2 * N, subscribes: N, stock_ms: Math.round(stock.ms), indexed_ms: Math.round(indexed.ms), speedup: +(stock.ms / indexed.ms).toFixed(1) };
console.log(`${N} SUBSCRIBEs with ${2 * N} retained messages: stock aedes-persistence ${result.stock_ms} ms, indexed ${result.indexed_ms} ms (${result.speedup}×)`);
console.log(`RESULT ${JSON.stringify(result)}`);
