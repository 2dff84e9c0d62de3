// The desktop simulator (lin/mac/win) as the platform "host": the SDK's fake Wi-Fi behind a
// simulated radio, discovery from the build config, `preference` in a per-app folder,
// simulated drivers, and a restart that ends mcsim with SIM_RESTART_EXIT for the runner to relaunch.
import { Directory } from "file";
import Instrumentation from "instrumentation";
import { exit, memory } from "simhost";
import { parseBrokerAddress } from "../../src/core/broker-address";
import type { Logger } from "../../src/core/log";
import type { Indication, SystemPort } from "../../src/core/ports";
import type { DeviceType, ProfileDrivers } from "../../src/core/profiles";
import { simulatedDrivers } from "../../src/core/sim-drivers";
import { configInt, configString, fileRoot } from "../../src/moddable/app-config";
import { trustSystemClock } from "../../src/moddable/clock";
import type { Host, HostFactory } from "../../src/moddable/host";
import { factoryFromResources } from "../../src/moddable/resources";
import { preferenceStore } from "../../src/moddable/store";
import { ModdableWiFi } from "../../src/moddable/wifi";
import { ConfiguredDiscovery } from "../sim/discovery";
import { SimRadio, isWpsOutcome } from "../sim/radio";

/** Exit code of a simulated restart; the runner (tests/sim/mcsim.ts) starts mcsim again. */
export const SIM_RESTART_EXIT = 75;
/** Exit code after a fatal start-up error. */
export const SIM_FATAL_EXIT = 2;

function freeMemory(): number | undefined {
  try {
    const v = Instrumentation.get(Instrumentation.map("System Free Memory"));
    return typeof v === "number" && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the preference folder (relative to mcsim's working directory unless absolute), one level at a time. */
function ensureFolder(root: string, log: Logger): void {
  let path = "";
  for (const part of root.split("/")) {
    path += part + "/";
    if (part === "" || part === ".") continue;
    try {
      Directory.create(path);
    } catch (e) {
      log.error("store.folder_failed", { path, error: String(e) });
      return;
    }
  }
}

const host: HostFactory = ({ log }): Host => {
  const root = fileRoot();
  ensureFolder(root, log);
  log.info("store.sim", { file: `${root}modpreferences.json` });
  // The desktop's clock is kept by its OS (the unit's SNTP is not simulated).
  trustSystemClock();

  const wps = configString("wps", "ok");
  if (!isWpsOutcome(wps)) log.warn("config.invalid", { key: "wps", value: wps, using: "fail" });
  const mdnsBroker = configString("mdns_broker", "");
  const broker = mdnsBroker ? parseBrokerAddress(mdnsBroker) : undefined;
  if (broker && !broker.ok) log.warn("config.invalid", { key: "mdns_broker", value: mdnsBroker, using: "none" });

  let activationCode = "";
  const system: SystemPort = {
    restart(): void {
      log.warn("sim.restart", { exit: SIM_RESTART_EXIT });
      exit(SIM_RESTART_EXIT);
    },
    indicate(status: Indication): void {
      log.debug("led", { status });
    },
    random: () => Math.random(),
  };
  // Only builds with instrumentation (mcconfig -i / -d) can tell.
  if (freeMemory() !== undefined) system.freeMemory = () => freeMemory() ?? 0;

  return {
    platform: "sim",
    factory() {
      const f = factoryFromResources();
      activationCode = f.identity.activationCode;
      return f;
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
      wpsDelayMs: configInt("sim_wps_delay_ms", 2_000),
      failDelayMs: 3_000,
    }, log, new ModdableWiFi({
      // WPS is simulated by SimRadio above the link; the fake `wifi` accepts any network.
      log, joinTimeoutMs: configInt("join_timeout_ms", 30_000), sntpHost: "", wps: (_ms, done) => done({ ok: false, reason: "unsupported" }),
    })),
    discovery: new ConfiguredDiscovery(broker?.ok ? broker.value : undefined, log),
    store: preferenceStore,
    system,
    drivers<K extends DeviceType>(deviceType: K): ProfileDrivers[K] {
      const start = Date.now();
      return simulatedDrivers(deviceType, () => Math.random(), () => Date.now() - start);
    },
    onPhase(phase: string): void {
      // High-water marks of the XS heaps at the end of each onboarding step (README: "Memory on the simulator").
      if (phase !== "operational" && phase !== "unprovisioned") return;
      const m = memory();
      log.info("memory", {
        chunk_peak: m.chunk_peak, chunk_reserved: m.chunk_reserved, slot_peak: m.slot_peak_slots, slot_reserved: m.slot_reserved_slots,
        stack_peak: m.stack_peak_slots ?? "n/a", stack_size: m.stack_size_slots, slot_bytes: m.slot_bytes, keys: m.keys_used,
      });
    },
    halt(reason: string): void {
      trace(`halt: ${reason}\n`);
      exit(SIM_FATAL_EXIT);
    },
  };
};

export default host;
