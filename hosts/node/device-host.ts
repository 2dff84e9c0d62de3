// The device core on Node: Node ports around the same Device runtime the firmware runs.
// A restart is a new Device over the same store, as a reboot is on the hardware.
import { makeConfig, type DeviceConfig } from "../../src/core/config";
import { Device } from "../../src/core/device";
import { formatJson, formatText } from "../../src/core/log";
import type { Phase, State } from "../../src/core/onboarding";
import type { DiscoveryPort, Indication, KeyValueStore, LogRecord, MqttPort, Platform, WiFiPort } from "../../src/core/ports";
import { createEntities, isDeviceType } from "../../src/core/profiles";
import { simulatedDrivers } from "../../src/core/sim-drivers";
import { browseMqtt } from "../../stack/mdns-browse";
import type { SimRadio } from "../../stack/radio";
import type { Unit } from "./identity";
import { NodeMqttPort } from "./ports/mqtt";
import { fileStore } from "./ports/store";
import { SimWiFiPort, type WpsMode } from "./ports/wifi";

export const FW_VERSION = "0.1.0";

export interface NodeDeviceOptions {
  unit: Unit;
  discovery: { host: string; port: number };
  stateDir: string;
  /** The simulated radio the Wi-Fi port joins through; not needed when `wifi` is injected. */
  radio?: SimRadio;
  wps: WpsMode;
  /** Shortens a WPS run nobody answers (`wps: "timeout"`). */
  wpsWalkMs?: number;
  mdnsWindowMs?: number;
  mdnsPort?: number;
  config?: Partial<DeviceConfig>;
  log?: "text" | "json" | "none" | ((line: string, record: LogRecord) => void);
  onPhase?: (phase: Phase, state: Readonly<State>) => void;
  onIndicate?: (status: Indication) => void;
  onRestart?: (count: number) => void;
  /** Injected ports (the fleet): an in-memory store, a Wi-Fi edge without the simulated radio, no mDNS. */
  store?: KeyValueStore;
  wifi?: WiFiPort & { close?(): void };
  discoveryPort?: DiscoveryPort;
  /** Wraps the MQTT port (the fleet counts connects). */
  mqtt?: (port: NodeMqttPort) => MqttPort;
  /** The device's random source (backoff jitter); tests pass `() => 0` for immediate reconnects. */
  random?: () => number;
  /** Fault injection: every flash write takes this long (a slow or worn flash). */
  storeDelayMs?: number;
}

export interface NodeDevice {
  readonly device: Device;
  readonly restarts: number;
  stop(): void;
}

export function startNodeDevice(o: NodeDeviceOptions): NodeDevice {
  const type = o.unit.identity.deviceType;
  if (!isDeviceType(type)) throw new Error(`unsupported device type "${type}" (socket, multi_sensor)`);
  const store = o.store ?? fileStore(o.stateDir, o.storeDelayMs);
  if (!o.wifi && !o.radio) throw new Error("startNodeDevice: give a radio or a Wi-Fi port");
  const wifi = o.wifi ?? new SimWiFiPort(o.radio!, o.wps, o.wpsWalkMs);
  const nodeMqtt = new NodeMqttPort(o.unit.tls);
  const mqtt = o.mqtt ? o.mqtt(nodeMqtt) : nodeMqtt;
  const timers = new Set<NodeJS.Timeout>();
  const t0 = performance.now();
  const fmt = o.log === "json" ? formatJson : formatText;
  let stopped = false;
  let restarts = 0;
  let current: Device;

  const platform: Platform = {
    wifi,
    discovery: o.discoveryPort ?? {
      browse: (windowMs, done) => {
        browseMqtt({ windowMs, queries: 3, port: o.mdnsPort }).then(
          (found) => { if (!stopped) done(found); },
          () => { if (!stopped) done(null); },
        );
      },
    },
    mqtt,
    store,
    timers: {
      set: (ms, cb) => {
        const h = setTimeout(() => { timers.delete(h); cb(); }, ms);
        timers.add(h);
        return h;
      },
      clear: (h) => { clearTimeout(h as NodeJS.Timeout); timers.delete(h as NodeJS.Timeout); },
    },
    clock: { uptimeMs: () => performance.now() - t0, unixSeconds: () => Math.floor(Date.now() / 1000) },
    // "none": the logger drops every record before masking or formatting it (a fleet's units log nothing).
    log: Object.assign((r: LogRecord) => {
      const line = fmt(r);
      if (typeof o.log === "function") o.log(line, r);
      else process.stdout.write(line + "\n");
    }, o.log === "none" ? { minLevel: "off" as const } : {}),
    system: {
      restart: () => {
        // Like a reboot: drop every timer and session of the old instance, boot a new one.
        for (const h of timers) clearTimeout(h);
        timers.clear();
        wifi.close?.();
        restarts++;
        o.onRestart?.(restarts);
        setTimeout(() => { if (!stopped) boot(); }, 10);
      },
      indicate: (s) => o.onIndicate?.(s),
      freeMemory: () => process.memoryUsage().heapTotal - process.memoryUsage().heapUsed,
      random: o.random ?? (() => Math.random()),
    },
  };

  const boot = () => {
    const model = createEntities(type, simulatedDrivers(type, Math.random, () => performance.now()));
    const config = makeConfig({
      identity: { ...o.unit.identity, discovery: o.discovery },
      fwVersion: FW_VERSION,
      entities: model.descriptors(),
      ...(o.mdnsWindowMs !== undefined ? { mdnsWindowMs: o.mdnsWindowMs } : {}),
      ...o.config,
    });
    current = new Device(platform, config, model, { onPhase: (p, s) => o.onPhase?.(p, s) });
    current.start();
  };
  boot();

  return {
    get device() { return current; },
    get restarts() { return restarts; },
    stop() {
      stopped = true;
      for (const h of timers) clearTimeout(h);
      timers.clear();
      wifi.close?.();
      nodeMqtt.powerOff(); // before the device closes its sessions politely
      current.stop();
    },
  };
}
