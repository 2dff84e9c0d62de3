// The user button: a GPIO with the internal pull-up, pressed = low (the BOOT button of ESP32
// boards). Polled and debounced. A press shorter than `longPressMs` reports "start" on release;
// holding it for `longPressMs` (default 5 s) reports "factoryReset" at once, while still held,
// and that press then reports nothing more. Pin from mc/config `button_pin`.

import Digital from "pins/digital";
import Timer from "timer";
import config from "mc/config";

export type ButtonAction = "start" | "factoryReset";

export const DEFAULT_BUTTON_PIN = 0; // BOOT button of ESP32 DevKit boards
export const LONG_PRESS_MS = 5000;
export const POLL_MS = 20;
export const DEBOUNCE_MS = 60;

/**
 * Debounce and press classification over sampled levels, independent of any pin or timer.
 * `sample(pressed, nowMs)` takes the raw level and a monotonic time and returns an action
 * when one happens.
 */
export class PressTracker {
  readonly #longPressMs: number;
  readonly #debounceMs: number;
  #raw = false;
  #rawSince = 0;
  #stable = false;
  #pressedAt = 0;
  #longReported = false;

  constructor(longPressMs = LONG_PRESS_MS, debounceMs = DEBOUNCE_MS) {
    this.#longPressMs = longPressMs;
    this.#debounceMs = debounceMs;
  }

  get pressed(): boolean {
    return this.#stable;
  }

  sample(pressed: boolean, nowMs: number): ButtonAction | undefined {
    if (pressed !== this.#raw) {
      this.#raw = pressed;
      this.#rawSince = nowMs;
    }
    if (this.#raw !== this.#stable && nowMs - this.#rawSince >= this.#debounceMs) {
      this.#stable = this.#raw;
      if (this.#stable) {
        this.#pressedAt = this.#rawSince;
        this.#longReported = false;
      } else if (!this.#longReported) {
        return "start";
      }
    }
    if (this.#stable && !this.#longReported && nowMs - this.#pressedAt >= this.#longPressMs) {
      this.#longReported = true;
      return "factoryReset";
    }
    return undefined;
  }
}

export interface ResetButtonOptions {
  pin?: number;
  longPressMs?: number;
  onAction: (action: ButtonAction) => void;
}

function numberSetting(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) ? value : fallback;
}

export class ResetButton {
  readonly #input: Digital;
  readonly #tracker: PressTracker;
  #timer: Timer | undefined;
  #nowMs = 0; // tick count, not the wall clock (which jumps when SNTP sets it)

  constructor(options: ResetButtonOptions) {
    const configuredPin: unknown = config.button_pin;
    const pin = options.pin ?? numberSetting(configuredPin, DEFAULT_BUTTON_PIN);
    this.#input = new Digital({ pin, mode: Digital.InputPullUp });
    this.#tracker = new PressTracker(options.longPressMs ?? LONG_PRESS_MS);
    const onAction = options.onAction;
    this.#timer = Timer.repeat(() => {
      this.#nowMs += POLL_MS;
      const action = this.#tracker.sample(this.#input.read() === 0, this.#nowMs);
      if (action !== undefined) onAction(action);
    }, POLL_MS);
  }

  close(): void {
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
  }
}
