// Device profiles: the entities each device type offers, wired to small hardware-shaped
// drivers that a device maker implements over real GPIO and sensors.
import type { EntityValue } from "./entity-types";
import { EntityModel, type EntitySpec } from "./entities";

/** A relay or power switch: `set` returns the state the hardware actually took. */
export interface SwitchDriver {
  get(): boolean;
  set(on: boolean): boolean;
}

export interface SocketDrivers {
  relay: SwitchDriver;
  meter: { powerW(): number; energyWs(): number };
}

export interface MultiSensorDrivers {
  power: SwitchDriver;
  thermometer: { celsius(): number };
  hygrometer: { percent(): number };
  motion: { present(): boolean };
}

/** Period of every measured quantity's report. */
export const REPORT_EVERY_MS = 60_000;

const SWITCH_OPTIONS: readonly string[] = Object.freeze(["on", "off"]);

function switchEntity(driver: SwitchDriver): EntitySpec {
  const toState = (on: boolean): EntityValue => (on ? "on" : "off");
  return {
    descriptor: { name: "switch", unit: "", type: "s" },
    commands: ["set", "query"],
    options: SWITCH_OPTIONS,
    driver: {
      read: () => toState(driver.get()),
      write: (value) => toState(driver.set(value === "on")),
    },
  };
}

function measured(name: string, unit: string, type: "f" | "b", read: () => EntityValue): EntitySpec {
  return { descriptor: { name, unit, type }, commands: ["query"], driver: { read }, reportEveryMs: REPORT_EVERY_MS };
}

export function socketProfile(d: SocketDrivers): EntitySpec[] {
  return [
    switchEntity(d.relay),
    measured("power", "W", "f", () => d.meter.powerW()),
    measured("energy", "Ws", "f", () => d.meter.energyWs()),
  ];
}

export function multiSensorProfile(d: MultiSensorDrivers): EntitySpec[] {
  return [
    switchEntity(d.power),
    measured("temperature", "C", "f", () => d.thermometer.celsius()),
    measured("humidity", "%", "f", () => d.hygrometer.percent()),
    measured("motion", "", "b", () => d.motion.present()),
  ];
}

export interface ProfileDrivers {
  socket: SocketDrivers;
  multi_sensor: MultiSensorDrivers;
}

export type DeviceType = keyof ProfileDrivers;

export const PROFILES: { [K in DeviceType]: (drivers: ProfileDrivers[K]) => EntitySpec[] } = Object.freeze({
  socket: socketProfile,
  multi_sensor: multiSensorProfile,
});

export function isDeviceType(s: string): s is DeviceType {
  return Object.prototype.hasOwnProperty.call(PROFILES, s);
}

export function createEntities<K extends DeviceType>(deviceType: K, drivers: ProfileDrivers[K]): EntityModel {
  const profile = PROFILES[deviceType] as (drivers: ProfileDrivers[K]) => EntitySpec[];
  return new EntityModel(profile(drivers));
}
