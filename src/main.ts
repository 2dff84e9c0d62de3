// The Moddable application: wires the platform's ports to the device core and starts it.
// The platform's host (hosts/sim on lin/mac/win, hosts/esp32) is mapped by the manifest to the
// module name "hosts/platform/host"; hosts/platform/host.d.ts types it for the compiler.
import host from "../hosts/platform/host";
import { makeConfig } from "./core/config";
import { Device } from "./core/device";
import { createLogger } from "./core/log";
import type { Platform } from "./core/ports";
import { createEntities, isDeviceType } from "./core/profiles";
import { configInt, configString } from "./moddable/app-config";
import { moddableClock, setClockLog } from "./moddable/clock";
import { isLogLevel, traceSink } from "./moddable/log";
import { ModdableMqtt } from "./moddable/mqtt";
import { moddableTimers } from "./moddable/timers";

export const FW_VERSION = configString("fw_version", "0.0.0");

// The Moddable runtime calls main's default export after loading it; nothing runs at module load,
// so the module can be preloaded (executed at build time, kept in flash).
export default function start(): Device | undefined {
  const level = configString("log", "info");
  const sink = traceSink(isLogLevel(level) ? level : "info", configString("log_format", "text") === "json" ? "json" : "text");
  const clock = moddableClock();
  let device: Device | undefined;
  const log = createLogger(sink, clock, () => device?.logPhase ?? "boot");
  setClockLog(log);
  if (!isLogLevel(level)) log.warn("config.invalid", { key: "log", value: level, using: "info" });

  const h = host({ log, clock, timers: moddableTimers });
  try {
    const factory = h.factory();
    const id = factory.identity;
    const deviceType = id.deviceType;
    if (!isDeviceType(deviceType)) throw new Error(`unsupported device type "${deviceType}"`);
    const model = createEntities(deviceType, h.drivers(deviceType));
    const config = makeConfig({
      identity: id,
      fwVersion: FW_VERSION,
      entities: model.descriptors(),
      guestSsid: configString("guest_ssid", "MQTT2GO"),
      mdnsWindowMs: configInt("mdns_window_ms", 3_000),
      wpsTimeoutMs: configInt("wps_timeout_ms", 120_000),
      activationWindowMs: configInt("activation_window_ms", 15 * 60_000),
      reportIntervalMs: configInt("report_interval_ms", 60_000),
      keepAliveS: configInt("keepalive_s", 60),
    });
    const platform: Platform = {
      wifi: h.wifi,
      discovery: h.discovery,
      mqtt: new ModdableMqtt(factory.tls),
      store: h.store,
      timers: moddableTimers,
      clock,
      log: sink,
      system: h.system,
    };
    const free = h.system.freeMemory?.();
    log.info("banner", {
      firmware: "mqtt2go-device", fw: FW_VERSION, device: id.deviceId, type: id.deviceType, platform: h.platform,
      factory: factory.source, discovery: `${id.discovery.host}:${id.discovery.port}`, free_bytes: free ?? "n/a",
    });
    device = new Device(platform, config, model, { onPhase: (phase) => h.onPhase?.(phase) });
    h.attach?.(device);
    device.start();
    return device;
  } catch (e) {
    log.error("fatal", { error: String(e) });
    h.halt(String(e));
    return undefined;
  }
}
