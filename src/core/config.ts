import type { EntityDescriptor } from "./entity-types";
import type { FactoryIdentity } from "./ports";

/** Everything the reducer needs to know about this unit and its timing. */
export interface DeviceConfig {
  identity: FactoryIdentity;
  fwVersion: string;
  entities: EntityDescriptor[];
  /** PROTOCOL §3: `MQTT2GO` (Rev 2.1); `MQTT2GO_Config` was the Rev 2.0 name. */
  guestSsid: string;
  wpsTimeoutMs: number;
  mdnsWindowMs: number;
  activationWindowMs: number;
  /** Re-send interval of GET_* and home_prefix requests (± jitter). */
  requestIntervalMs: number;
  keepAliveS: number;
  reportIntervalMs: number;
  /** PROTOCOL §10: the first reconnect after the broker ends an established session waits uniformly in [0, this). */
  reconnectSpreadMs: number;
  /** PROTOCOL §10: CONNACK 3 (server unavailable) backs off at least this long. */
  unavailableBackoffMs: number;
  /** Delay between the remove confirmation and the restart, so the last publishes leave. */
  restartDelayMs: number;
}

export const DEFAULTS = Object.freeze({
  guestSsid: "MQTT2GO",
  wpsTimeoutMs: 120_000,
  mdnsWindowMs: 3_000,
  activationWindowMs: 15 * 60_000,
  requestIntervalMs: 10_000,
  keepAliveS: 60,
  reportIntervalMs: 60_000,
  restartDelayMs: 500,
  reconnectSpreadMs: 20_000,
  unavailableBackoffMs: 30_000,
} as const);

export function makeConfig(
  base: Pick<DeviceConfig, "identity" | "fwVersion" | "entities"> & Partial<DeviceConfig>,
): DeviceConfig {
  return { ...DEFAULTS, ...base };
}
