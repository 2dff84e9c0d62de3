// aedes's retained messages: the stock in-memory persistence tests every retained topic against
// each SUBSCRIBE's filter (N devices subscribing with N retained states: N² matches); the stack's
// indexed persistence walks the filter's levels. Same answers, found without the scan.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import memory from "aedes-persistence";
import type { AedesPersistence } from "aedes-persistence";
import type { Readable } from "node:stream";
import { connectMqtt } from "../../stack/mqtt-connect";
import { indexedMemoryPersistence } from "../../stack/aedes-persistence";
import { startBroker, type Grant } from "../../stack/broker";
import { loadCertsDir, DEV_CERTS_DIR } from "../../stack/certs";
import { silentLog } from "../../stack/log";
import { RetainedIndex } from "../../stack/retained-index";

const packet = (topic: string, payload = "x"): Parameters<AedesPersistence["storeRetained"]>[0] =>
  ({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false, brokerId: "b", brokerCounter: 1 }) as never;

async function topicsOf(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const p of stream) out.push(`${(p as { topic: string }).topic}=${String((p as { payload: Buffer }).payload)}`);
  return out.sort();
}

async function store(p: AedesPersistence, topic: string, payload: string): Promise<void> {
  // Without a callback the call goes straight to the async store (with one it waits for a broker).
  await (p.storeRetained as unknown as (packet: unknown) => Promise<void>)(packet(topic, payload));
}

const word = fc.constantFrom("a", "b", "c", "", "dev-1", "$SYS");
const topic = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join("/"));
const filter = fc.array(fc.oneof(word, fc.constant("+")), { minLength: 1, maxLength: 4 })
  .chain((w) => fc.boolean().map((hash) => (hash ? [...w.slice(0, -1), "#"] : w).join("/")));

test("the indexed persistence answers every filter as aedes-persistence does (sets and deletes, random topics)", async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(topic, fc.constantFrom("1", "2", "")), { maxLength: 30 }),
    fc.array(filter, { minLength: 1, maxLength: 3 }),
    async (writes, filters) => {
      const stock = memory(), indexed = indexedMemoryPersistence();
      for (const [t, v] of writes) { await store(stock, t, v); await store(indexed, t, v); }
      assert.deepEqual(await topicsOf(indexed.createRetainedStreamCombi(filters)), await topicsOf(stock.createRetainedStreamCombi(filters)), filters.join(" "));
      assert.deepEqual(await topicsOf(indexed.createRetainedStream(filters[0])), await topicsOf(stock.createRetainedStream(filters[0])));
    },
  ), { numRuns: 300, seed: 9 });
});

test("a device's SUBSCRIBE visits its own levels, not every retained message: the same few with 100 or 20,000 retained", () => {
  const visits = (n: number): { exact: number; plus: number; found: number } => {
    const index = new RetainedIndex<string>();
    for (let i = 0; i < n; i++) {
      index.set(`home-1/gw/dev-${i}/status/out`, `s${i}`);
      index.set(`home-1/gw/dev-${i}/switch/out`, `v${i}`);
    }
    index.visited = 0;
    const found = [...index.match("home-1/gw/dev-7/+/out")].length;
    const plus = index.visited;
    index.visited = 0;
    void [...index.match("home-1/gw/dev-7/status/out")];
    return { exact: index.visited, plus, found };
  };
  const small = visits(100), big = visits(20_000);
  assert.equal(big.found, 2);
  assert.deepEqual(big, small, "the cost does not grow with the retained count");
  assert.ok(big.plus <= 8, `${big.plus} levels visited`);
});

test("deleting a retained message (empty payload) prunes its levels: an emptied index holds nothing", () => {
  const index = new RetainedIndex<string>();
  index.set("a/b/c", "1");
  index.set("a/b", "2");
  index.delete("a/b/c");
  assert.deepEqual([...index.match("#")], ["2"]);
  index.delete("a/b");
  index.delete("a/b"); // twice: nothing left to delete
  index.delete("x/y");
  assert.equal(index.size, 0);
  index.visited = 0;
  assert.deepEqual([...index.match("#")], []);
  const fresh = new RetainedIndex<string>();
  void [...fresh.match("#")];
  assert.equal(index.visited, fresh.visited, "only the root is left");
});

test("the stack's aedes broker delivers retained messages on SUBSCRIBE from the index (exact and wildcard filters)", { timeout: 60_000 }, async () => {
  const certs = loadCertsDir(DEV_CERTS_DIR);
  const open: Grant = { who: "test", publish: ["h/#"], subscribe: ["h/#"] };
  const broker = await startBroker<Grant>({
    name: "retained", host: "127.0.0.1", port: 0, requireClientCert: false, log: silentLog,
    tls: { chainPem: certs.server.chainPem, keyPem: certs.server.keyPem, caPem: certs.ca.certPem },
    authenticate: () => open,
  });
  const opts = { host: "127.0.0.1", port: broker.port, protocol: "mqtts" as const, ca: certs.ca.certPem, servername: "localhost", username: "u", password: "p" };
  const pub = await connectMqtt({ ...opts, clientId: "pub" });
  const sub = await connectMqtt({ ...opts, clientId: "sub" });
  try {
    for (let i = 0; i < 50; i++) await pub.publishAsync(`h/g/d${i}/status/out`, `online-${i}`, { qos: 1, retain: true });
    await pub.publishAsync("h/g/d3/status/out", "", { qos: 1, retain: true }); // cleared
    const got: string[] = [];
    sub.on("message", (t, p, pk) => { if (pk.retain) got.push(`${t}=${p.toString()}`); });
    await sub.subscribeAsync(["h/g/d7/status/out", "h/g/+/status/out"], { qos: 0 });
    for (let i = 0; i < 200 && got.length < 50; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(got.includes("h/g/d7/status/out=online-7"));
    assert.equal(got.filter((g) => g.startsWith("h/g/d3/")).length, 0, "a cleared retained message is gone");
    assert.equal(new Set(got).size, 49, "every retained status but the cleared one");
  } finally {
    pub.end(true);
    sub.end(true);
    await broker.close();
  }
});
