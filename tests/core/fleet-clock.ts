// A fake clock for many reducer rigs at once: each rig's timer_set/timer_clear effects become
// entries of one min-heap of virtual times, so a fleet's reconnects after a broker restart run in
// milliseconds with the reducer's own delays (PROTOCOL §10), on Node and on XS alike.
import type { Effect, TimerName } from "../../src/core/onboarding";
import type { Rig } from "./onboarding-kit";

interface Due { at: number; seq: number; unit: number; name: TimerName; gen: number }

export class FleetClock {
  now = 0;
  #heap: Due[] = [];
  #seq = 0;
  /** Per unit and timer: the generation of the live entry (a set or clear makes older entries stale). */
  #gen: Map<TimerName, number>[] = [];

  /** Applies the timer effects of one reducer step of `unit`; returns the effects for the caller. */
  apply(unit: number, effects: Effect[]): Effect[] {
    const gens = this.#gen[unit] ??= new Map();
    for (const e of effects) {
      if (e.kind === "timer_set") {
        const gen = (gens.get(e.name) ?? 0) + 1;
        gens.set(e.name, gen);
        this.#push({ at: this.now + e.ms, seq: this.#seq++, unit, name: e.name, gen });
      } else if (e.kind === "timer_clear") {
        gens.set(e.name, (gens.get(e.name) ?? 0) + 1);
      }
    }
    return effects;
  }

  /** Fires due timers in time order up to `until()` (inclusive; asked again after each), each through `fire`. */
  run(until: () => number, fire: (unit: number, name: TimerName) => void): void {
    while (this.#heap.length && this.#heap[0].at <= until()) {
      const d = this.#pop();
      if (this.#gen[d.unit]?.get(d.name) !== d.gen) continue;
      this.now = d.at;
      fire(d.unit, d.name);
    }
    this.now = Math.max(this.now, until());
  }

  #less(a: Due, b: Due): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(d: Due): void {
    const h = this.#heap;
    h.push(d);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  #pop(): Due {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) m = l;
        if (r < h.length && this.#less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

export interface StormResult {
  /** Successful (re)connects per virtual second since the restart. */
  perSecond: number[];
  /** Connect attempts per virtual second (including those refused while the broker is down). */
  attemptsPerSecond: number[];
  /** Virtual ms from the restart until every unit is operational again (undefined: not within the horizon). */
  allBackMs: number | undefined;
}

/**
 * `rigs` are operational; the broker ends every session at t = 0 and refuses connections until
 * `downMs`. Each reconnect timer connects; a connect before `downMs` fails with "refused", later
 * ones get CONNACK at once.
 */
export function brokerRestart(rigs: Rig[], downMs: number, horizonMs = 300_000): StormResult {
  const clock = new FleetClock();
  const perSecond: number[] = [];
  const attemptsPerSecond: number[] = [];
  const count = (a: number[]): void => { const s = Math.floor(clock.now / 1000); while (a.length <= s) a.push(0); a[s]++; };
  let back = 0;
  let allBackMs: number | undefined;
  rigs.forEach((r, i) => clock.apply(i, r.send({ type: "mqtt_closed", session: r.state.session, reason: "closed", detail: "server shutdown" })));
  // Until every unit is back and past its 60 s stable timer (the backoff reset), or the horizon.
  clock.run(() => (allBackMs === undefined ? horizonMs : Math.min(horizonMs, allBackMs + 61_000)), (i, name) => {
    const r = rigs[i];
    r.all.length = 0; // a fleet's effect history would only load the garbage collector (XS)
    const fx = clock.apply(i, r.send({ type: "timer", name }));
    if (!fx.some((e) => e.kind === "mqtt_connect")) return;
    count(attemptsPerSecond);
    if (clock.now < downMs) {
      clock.apply(i, r.send({ type: "mqtt_closed", session: r.state.session, reason: "refused", detail: "ECONNREFUSED" }));
      return;
    }
    count(perSecond);
    clock.apply(i, r.connected());
    if (r.state.phase === "operational" && ++back === rigs.length) allBackMs = clock.now;
  });
  return { perSecond, attemptsPerSecond, allBackMs };
}
