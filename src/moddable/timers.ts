// TimerPort over Moddable's `timer`.
import Timer from "timer";
import type { TimerHandle, TimerPort } from "../core/ports";

export const moddableTimers: TimerPort = Object.freeze({
  set(ms: number, callback: () => void): TimerHandle {
    return Timer.set(() => callback(), ms < 0 ? 0 : ms);
  },
  clear(handle: TimerHandle): void {
    Timer.clear(handle as Timer);
  },
});
