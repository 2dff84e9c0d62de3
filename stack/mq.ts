// The message bus under aedes, bounded. mqemitter (1.x, under aedes 1.2) drains its queue
// recursively: each finished message starts the next one inside the same call stack, so when
// ~1,000 sessions drop at once (1,000 Last Wills queued) the stack overflows and the broker dies.
// Here a drain more than MAX_DEPTH deep continues on the next turn of the event loop.
import MQEmitter from "mqemitter";

const MAX_DEPTH = 64;

type Emitter = ReturnType<typeof MQEmitter> & { _do(message: unknown, cb: unknown): unknown };

export function boundedEmitter(concurrency = 100): ReturnType<typeof MQEmitter> {
  const mq = MQEmitter({ concurrency }) as Emitter;
  const run = mq._do.bind(mq);
  let depth = 0;
  mq._do = (message, cb) => {
    if (depth >= MAX_DEPTH) {
      setImmediate(() => run(message, cb));
      return mq;
    }
    depth++;
    try {
      return run(message, cb);
    } finally {
      depth--;
    }
  };
  return mq;
}
