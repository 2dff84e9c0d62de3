// The QEMU target (Espressif's QEMU, machine esp32c3) as the platform "host": the product's ESP32
// parts (factory partition, `preference` on NVS, status LED, build time, heap figures) with the
// network brought up by QEMU's open_eth NIC instead of the radio. WPS and the Wi-Fi join are
// simulated over that link as on the desktop simulator (outcome from the build config);
// discovery is explicit (user-mode networking has no multicast). Never touches the `wifi` module;
// no reset button (QEMU reads GPIO 9 as pressed).
import { readFactoryIdentity } from "factory-data";
import { buildTime, freeHeap, minimumFreeHeap, restart } from "esp32-system";
import { xsMemory } from "xs-memory";
import Timer from "timer";
import { parseBrokerAddress } from "../../src/core/broker-address";
import type { Indication, SystemPort } from "../../src/core/ports";
import type { DeviceType, ProfileDrivers } from "../../src/core/profiles";
import { simulatedDrivers } from "../../src/core/sim-drivers";
import { configInt, configString } from "../../src/moddable/app-config";
import { raiseTimeFloor } from "../../src/moddable/clock";
import type { Factory, Host, HostFactory } from "../../src/moddable/host";
import { factoryFromResources } from "../../src/moddable/resources";
import { preferenceStore } from "../../src/moddable/store";
import { StatusLed } from "../esp32/led";
import { EthernetLink } from "../qemu/ethernet";
import { ConfiguredDiscovery } from "../sim/discovery";
import { SimRadio, isWpsOutcome } from "../sim/radio";

const host: HostFactory = ({ log, clock }): Host => {
  xsMemory(); // starts the XS stack's high-water mark (paints the free stack)
  raiseTimeFloor(buildTime());
  const led = new StatusLed();
  const wps = configString("wps", "ok");
  if (!isWpsOutcome(wps)) log.warn("config.invalid", { key: "wps", value: wps, using: "fail" });
  const mdnsBroker = configString("mdns_broker", "");
  const broker = mdnsBroker ? parseBrokerAddress(mdnsBroker) : undefined;
  if (broker && !broker.ok) log.warn("config.invalid", { key: "mdns_broker", value: mdnsBroker, using: "none" });
  let activationCode = "";
  // Memory on the target: at every phase change, and every memory_log_ms while the unit runs
  // (0 = phases only), so the figures after a command or a malformed payload are seen too.
  const logMemory = (): void => {
    const m = xsMemory();
    log.info("memory", {
      chunk_peak: m[2], chunk_reserved: m[3], slot_peak: m[5], slot_reserved: m[6],
      stack_peak: m[8], stack_size: m[7], native_stack_free_min: m[10], slot_bytes: m[0], keys: m[9],
      heap_free: freeHeap(), heap_min_free: minimumFreeHeap(),
    });
  };
  const memoryEveryMs = configInt("memory_log_ms", 0);
  if (memoryEveryMs > 0) Timer.repeat(logMemory, memoryEveryMs);

  const system: SystemPort = {
    restart(): void {
      log.warn("restart");
      restart();
    },
    indicate(status: Indication): void {
      led.indicate(status);
    },
    freeMemory: () => freeHeap(),
    random: () => Math.random(),
  };

  return {
    platform: "esp32-qemu",
    factory(): Factory {
      try {
        const f = readFactoryIdentity();
        activationCode = f.activationCode;
        return {
          identity: { deviceId: f.deviceId, activationCode: f.activationCode, deviceType: f.deviceType, discovery: f.discovery },
          tls: { ca: f.caDer, cert: f.clientCertificateDer, key: f.clientKeyDer },
          source: "factory partition",
        };
      } catch (e) {
        log.warn("factory.partition_unavailable", { error: String(e), using: "resources" });
        const f = factoryFromResources();
        activationCode = f.identity.activationCode;
        return f;
      }
    },
    wifi: new SimRadio({
      wps: isWpsOutcome(wps) ? wps : "fail",
      homeSsid: configString("home_ssid", "home"),
      homePassword: configString("home_password", "home-passphrase"),
      guest: configString("guest", "off") === "on",
      guestSsid: configString("guest_ssid", "MQTT2GO"),
      get activationCode() {
        return activationCode;
      },
      wpsDelayMs: configInt("sim_wps_delay_ms", 1_000),
      failDelayMs: 3_000,
    }, log, new EthernetLink({ log, joinTimeoutMs: configInt("join_timeout_ms", 30_000), sntpHost: configString("sntp", "pool.ntp.org") })),
    discovery: new ConfiguredDiscovery(broker?.ok ? broker.value : undefined, log, "QEMU user-mode networking carries no multicast; answer comes from the build config mdns_broker"),
    store: preferenceStore,
    system,
    drivers<K extends DeviceType>(deviceType: K): ProfileDrivers[K] {
      return simulatedDrivers(deviceType, () => Math.random(), () => clock.uptimeMs());
    },
    onPhase(): void {
      logMemory();
    },
    halt(reason: string): void {
      log.error("halted", { reason });
      led.indicate("error");
    },
  };
};

export default host;
