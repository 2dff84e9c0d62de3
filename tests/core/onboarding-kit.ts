// Drives the pure reducer in tests: feeds events, keeps the state, records effects.
import { makeConfig, type DeviceConfig } from "../../src/core/config";
import { type Effect, type Event, type State, initialState, transition } from "../../src/core/onboarding";
import type { CredentialRecord } from "../../src/core/record";
import { seeded } from "../seeded";
import { utf8Length } from "../../src/core/json";

export { seeded };

export const DID = "dev-socket-0001";
export const AC = "AC7f3k9Qx2";
export const CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVGb3JUZXN0c09ubHkwCgYIKoZIzj0EAwIw\nEjEQMA4GA1UEAwwHVGVzdCBDQTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBa\n-----END CERTIFICATE-----";

export const ENTITIES = [
  { name: "switch", unit: "", type: "s" as const },
  { name: "power", unit: "W", type: "f" as const },
  { name: "energy", unit: "Ws", type: "f" as const },
];

export function testConfig(over: Partial<DeviceConfig> = {}): DeviceConfig {
  return makeConfig({
    identity: { deviceId: DID, activationCode: AC, deviceType: "socket", discovery: { host: "discovery.example", port: 8883 } },
    fwVersion: "1.2.3",
    entities: ENTITIES,
    ...over,
  });
}


export class Rig {
  state: State = initialState();
  effects: Effect[] = [];
  all: Effect[] = [];
  readonly random = seeded(42);

  unixSeconds: number | undefined;

  /** `clock` null = the wall clock is not valid yet. */
  constructor(readonly config: DeviceConfig = testConfig(), clock: number | null = 1_790_000_000) {
    this.unixSeconds = clock ?? undefined;
  }

  send(event: Event): Effect[] {
    const r = transition(this.state, event, { config: this.config, random: this.random, unixSeconds: this.unixSeconds });
    this.state = r.state;
    this.effects = r.effects;
    this.all.push(...r.effects);
    return r.effects;
  }

  /** Effects of the last step that are not log lines. */
  get actions(): Effect[] {
    return this.effects.filter((e) => e.kind !== "log");
  }

  kinds(): string[] {
    return this.actions.map((e) => e.kind);
  }

  find<K extends Effect["kind"]>(kind: K): Extract<Effect, { kind: K }> | undefined {
    return this.effects.find((e) => e.kind === kind) as Extract<Effect, { kind: K }> | undefined;
  }

  findAll<K extends Effect["kind"]>(kind: K): Extract<Effect, { kind: K }>[] {
    return this.effects.filter((e) => e.kind === kind) as Extract<Effect, { kind: K }>[];
  }

  logs(): string[] {
    return this.effects.filter((e) => e.kind === "log").map((e) => (e as { event: string }).event);
  }

  message(topic: string, payload: string): Effect[] {
    return this.send({ type: "mqtt_message", session: this.state.session, topic, payload, bytes: utf8Length(payload) });
  }

  connected(): Effect[] {
    return this.send({ type: "mqtt_connected", session: this.state.session });
  }
}

export { utf8Length };

export const creds = (user = "u-0001", password = "p4ssw0rd-secret") =>
  JSON.stringify({ timestamp: 1790000000, type: "mqtt_credentials", value: { cert: CERT_PEM, user, password } });
export const brokerData = (broker = "cloud.example:8884") =>
  JSON.stringify({ type: "broker_data", timestamp: 1790000000, value: { broker_ip: broker, device_certificate: CERT_PEM, user: "u-0001", password: "p4ssw0rd-secret" } });
export const wifiCreds = (ssid = "HomeNet", password = "home-pass-123") =>
  JSON.stringify({ timestamp: 1790000000, type: "wifi_credentials", value: { SSID: ssid, password } });
export const homePrefix = (home = "home1", gateway = "gw1") =>
  JSON.stringify({ timestamp: 1790000000, type: "home_prefix", value: { home_id: home, gateway_id: gateway } });
export const rename = (deviceId = DID, name = "Kitchen socket", groups = ["kitchen", "g2"]) =>
  JSON.stringify({ timestamp: 1790000000, type: "rename_device", value: { device_id: deviceId, device_name: name, group_id: groups } });

export function provisionedRecord(over: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    broker: { kind: "cloud", host: "cloud.example", port: 8884 },
    user: "u-0001", password: "p4ssw0rd-secret", cert: CERT_PEM,
    wifi: { ssid: "HomeNet", password: "home-pass-123" },
    home: { home: "home1", gateway: "gw1" },
    ...over,
  };
}

/** Runs the cloud flow up to the operational phase. */
export function toOperational(rig: Rig): void {
  rig.send({ type: "boot", record: null });
  rig.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  rig.send({ type: "mdns_done", found: null });
  rig.connected();
  rig.message(`${AC}/activation/in`, brokerData());
  rig.connected();
  rig.message(`${DID}/home/in`, homePrefix());
  rig.connected();
}

/** Boots an unprovisioned device up to a connected activation session (local WPS, cloud, or guest flow). */
export function activationRig(kind: "local" | "cloud" | "guest"): Rig {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  if (kind === "guest") {
    r.send({ type: "wps_done", result: { ok: false, reason: "timeout" } });
    r.send({ type: "wifi_done", result: { ok: true } });
  } else {
    r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  }
  r.send({ type: "mdns_done", found: kind === "cloud" ? null : { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 } });
  r.connected();
  return r;
}
