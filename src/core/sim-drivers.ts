// Simulated hardware for the desktop simulator, the Node host and tests. Deterministic for a
// deterministic `random` and `clockMs` (monotonic milliseconds).
import type { DeviceType, MultiSensorDrivers, ProfileDrivers, SocketDrivers } from "./profiles";

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** A relay and a meter: power is a drifting load (5–100 W) while on and 0 while off; energy integrates it over the clock. */
export function simulatedSocket(random: () => number, clockMs: () => number): SocketDrivers {
  let on = false;
  let loadW = 0;
  let energyWs = 0;
  let lastMs = clockMs();

  // Energy accrues with the load in effect since the previous call; a clock that goes back adds nothing.
  function advance(): void {
    const now = clockMs();
    if (on) energyWs += (loadW * Math.max(0, now - lastMs)) / 1000;
    lastMs = Math.max(lastMs, now);
  }

  return {
    relay: {
      get: () => on,
      set(next: boolean): boolean {
        advance();
        if (next && !on) loadW = 20 + random() * 60;
        on = next;
        return on;
      },
    },
    meter: {
      powerW(): number {
        advance();
        if (!on) return 0;
        loadW = clamp(loadW + (random() - 0.5) * 4, 5, 100);
        return round1(loadW);
      },
      energyWs(): number {
        advance();
        return round1(energyWs);
      },
    },
  };
}

/** Power switch, temperature 21 ± 2 °C and humidity 40–60 % as bounded random walks, and motion that lasts 30 s once seen. */
export function simulatedMultiSensor(random: () => number, clockMs: () => number): MultiSensorDrivers {
  let on = true;
  let celsius = 21;
  let percent = 50;
  let motionUntilMs = -Infinity;

  return {
    power: { get: () => on, set: (next: boolean) => (on = next) },
    thermometer: {
      celsius(): number {
        celsius = clamp(celsius + (random() - 0.5) * 0.4, 19, 23);
        return round1(celsius);
      },
    },
    hygrometer: {
      percent(): number {
        percent = clamp(percent + (random() - 0.5) * 2, 40, 60);
        return round1(percent);
      },
    },
    motion: {
      present(): boolean {
        const now = clockMs();
        if (now < motionUntilMs) return true;
        if (random() < 0.1) {
          motionUntilMs = now + 30_000;
          return true;
        }
        return false;
      },
    },
  };
}

export function simulatedDrivers<K extends DeviceType>(deviceType: K, random: () => number, clockMs: () => number): ProfileDrivers[K];
export function simulatedDrivers(deviceType: DeviceType, random: () => number, clockMs: () => number): ProfileDrivers[DeviceType] {
  return deviceType === "socket" ? simulatedSocket(random, clockMs) : simulatedMultiSensor(random, clockMs);
}
