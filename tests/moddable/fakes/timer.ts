// Fake of the SDK's `timer` (modules/base/timer): Timer.set / repeat / schedule / clear over a
// manual clock. Callbacks get the timer as argument, as on the device. Timer.clear accepts
// undefined. `advance(ms)` fires due timers in time order; `liveTimers()` counts armed ones.
export interface FakeTimer { readonly id: number; at: number; interval: number; cb: (t: FakeTimer) => void; [k: string]: unknown }

let now = 0;
let seq = 0;
const armed = new Map<number, FakeTimer>();

function arm(cb: (t: FakeTimer) => void, ms: number, interval: number): FakeTimer {
  const t: FakeTimer = { id: ++seq, at: now + Math.max(0, ms), interval, cb };
  armed.set(t.id, t);
  return t;
}

const Timer = {
  set(cb: (t: FakeTimer) => void, ms = 0, repeat = 0): FakeTimer {
    return arm(cb, ms, repeat);
  },
  repeat(cb: (t: FakeTimer) => void, ms: number): FakeTimer {
    return arm(cb, ms, ms);
  },
  schedule(t: FakeTimer, ms: number, repeat = 0): void {
    t.at = now + Math.max(0, ms);
    t.interval = repeat;
    armed.set(t.id, t);
  },
  clear(t: FakeTimer | undefined | null): void {
    if (t) armed.delete(t.id);
  },
  delay(_ms: number): void {},
};
export default Timer;

export function fakeNow(): number {
  return now;
}

export function liveTimers(): number {
  return armed.size;
}

/** Advances the clock by `ms`, firing due timers (and the repeats they cause) in time order. */
export function advance(ms: number): void {
  const end = now + ms;
  for (;;) {
    let next: FakeTimer | undefined;
    for (const t of armed.values()) if (t.at <= end && (!next || t.at < next.at)) next = t;
    if (!next) break;
    now = next.at;
    if (next.interval > 0) next.at = now + next.interval;
    else armed.delete(next.id);
    next.cb(next);
  }
  now = end;
}

/** Drops every timer and resets the clock (between tests). */
export function resetTimers(): void {
  armed.clear();
  now = 0;
}
