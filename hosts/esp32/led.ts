// Status LED on a plain GPIO: shows the core's Indication as a blink pattern.
// Pin and polarity come from mc/config (`led_pin`, `led_active_low`); hosts/esp32/manifest.json
// sets board defaults. A negative pin means "no LED": indicate() then only records the status.

import Digital from "pins/digital";
import Timer from "timer";
import config from "mc/config";
import type { Indication } from "../../src/core/ports";

/** "on"/"off" = steady; an array = durations in ms, alternately lit and dark, starting lit, repeated. */
export type BlinkPattern = "on" | "off" | readonly number[];

const blink = (...ms: number[]): readonly number[] => Object.freeze(ms);

// Frozen, with its arrays: a preloaded object that is not frozen costs a RAM alias pointer.
export const PATTERNS: Readonly<Record<Indication, BlinkPattern>> = Object.freeze({
  onboarding: blink(500, 500), // 1 Hz: waiting for WPS / activation
  connecting: blink(125, 125), // 4 Hz: joining Wi-Fi or the broker
  operational: "on",
  offline: blink(100, 1900), // one short flash every 2 s
  activation_expired: blink(150, 150, 150, 1550), // two flashes every 2 s
  error: blink(150, 150, 150, 150, 150, 1250), // three flashes every 2 s
  removed: "off",
});

/** Start-up refused (halt): 5 Hz, steady. */
export const HALT_PATTERN: readonly number[] = blink(100, 100);

export const DEFAULT_LED_PIN = 2; // the user LED of common ESP32 DevKit boards

export interface StatusLedOptions {
  pin?: number;
  activeLow?: boolean;
}

function numberSetting(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) ? value : fallback;
}

export class StatusLed {
  readonly #output: Digital | undefined;
  readonly #activeLow: boolean;
  #timer: Timer | undefined;
  #pattern: BlinkPattern = "off";
  #step = 0;
  #status: Indication | undefined;

  constructor(options: StatusLedOptions = {}) {
    const configuredPin: unknown = config.led_pin;
    const configuredActiveLow: unknown = config.led_active_low;
    const pin = options.pin ?? numberSetting(configuredPin, DEFAULT_LED_PIN);
    this.#activeLow = options.activeLow ?? configuredActiveLow === true;
    this.#output = pin >= 0 ? new Digital({ pin, mode: Digital.Output }) : undefined;
    this.#write(false);
  }

  get status(): Indication | undefined {
    return this.#status;
  }

  indicate(status: Indication): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#stop();
    this.#pattern = PATTERNS[status];
    if (this.#pattern === "on" || this.#pattern === "off") {
      this.#write(this.#pattern === "on");
      return;
    }
    const durations = this.#pattern;
    this.#step = 0;
    this.#write(true);
    this.#timer = Timer.repeat((timer) => {
      this.#step = (this.#step + 1) % durations.length;
      this.#write(this.#step % 2 === 0);
      const next = durations[this.#step] ?? 0;
      Timer.schedule(timer, next, next);
    }, durations[0] ?? 0);
  }

  /** Halted at start-up (no valid factory data): a fast 5 Hz blink, unlike every status pattern. */
  halt(): void {
    this.indicate("error");
    this.#stop();
    this.#pattern = HALT_PATTERN;
    this.#step = 0;
    this.#write(true);
    this.#timer = Timer.repeat(() => {
      this.#step = (this.#step + 1) % 2;
      this.#write(this.#step === 0);
    }, HALT_PATTERN[0] ?? 100);
  }

  /** Stops blinking and turns the LED off. */
  close(): void {
    this.#stop();
    this.#status = undefined;
    this.#write(false);
  }

  #stop(): void {
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
  }

  #write(lit: boolean): void {
    this.#output?.write(lit !== this.#activeLow ? 1 : 0);
  }
}
