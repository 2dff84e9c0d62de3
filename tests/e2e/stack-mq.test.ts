// aedes's message bus: a burst of queued messages (1,000s of Last Wills when sessions drop at once)
// drains without exhausting the stack.
import assert from "node:assert/strict";
import { test } from "node:test";
import MQEmitter from "mqemitter";
import { boundedEmitter } from "../../stack/mq";

async function burst(mq: ReturnType<typeof MQEmitter>, n: number): Promise<number> {
  let delivered = 0;
  let hold: (() => void) | undefined;
  mq.on("t/#", (_m, cb) => {
    delivered++;
    if (delivered === 1) hold = cb; // the first message is slow: everything after it queues
    else cb();
  });
  for (let i = 0; i < n; i++) mq.emit({ topic: `t/${i}` });
  hold?.();
  for (let i = 0; i < 20_000 && delivered < n; i++) await new Promise((r) => setImmediate(r));
  return delivered;
}

test("mqemitter's own drain recurses once per queued message (the crash this guards against)", async () => {
  await assert.rejects(burst(MQEmitter({ concurrency: 1 }), 20_000), RangeError);
});

test("the bounded bus delivers a 20,000-message burst, every message once", async () => {
  assert.equal(await burst(boundedEmitter(1), 20_000), 20_000);
});
