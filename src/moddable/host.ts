// What a platform folder (hosts/sim, hosts/esp32) provides to src/main.ts through the module
// named "host" (selected per platform by the manifest).
import type { Device } from "../core/device";
import type { Logger } from "../core/log";
import type { ClockPort, DiscoveryPort, FactoryIdentity, KeyValueStore, SystemPort, TimerPort, WiFiPort } from "../core/ports";
import type { DeviceType, ProfileDrivers } from "../core/profiles";
import type { TlsMaterial } from "./mqtt";

/** A unit's factory data: ids, discovery address, and the TLS material that never leaves the MQTT port. */
export interface Factory {
  identity: FactoryIdentity;
  tls: TlsMaterial;
  /** Where it came from, for the boot log (e.g. "resources", "factory partition"). */
  source: string;
}

export interface HostContext {
  /** Adapters' own log lines (phase-stamped once the device runs). */
  log: Logger;
  clock: ClockPort;
  timers: TimerPort;
}

export interface Host {
  /** e.g. "lin", "esp32". */
  platform: string;
  factory(): Factory;
  wifi: WiFiPort;
  discovery: DiscoveryPort;
  store: KeyValueStore;
  system: SystemPort;
  /** Hardware (or simulated) drivers of the device type's profile. */
  drivers<K extends DeviceType>(deviceType: K): ProfileDrivers[K];
  /** Called once the device runs (button wiring, console commands). */
  attach?(device: Device): void;
  /** Called after every phase change. */
  onPhase?(phase: string): void;
  /** After a fatal start-up error (bad factory data): the simulator exits nonzero, a device shows the error and waits. */
  halt(reason: string): void;
}

export type HostFactory = (context: HostContext) => Host;
