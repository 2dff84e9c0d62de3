// The ESP32 as the platform "host" (mapped to the module name "hosts/platform/host" by the top
// manifest): factory data from the `fctry` NVS partition, every field checked (a development
// build, `mcconfig ... development=true`, falls back to the identity the build embeds; a
// production build refuses to run), Wi-Fi + WPS, mDNS, `preference` (NVS), the status LED and
// the long-press factory-reset button, and entity drivers.
import Digital from "pins/digital";
import { readFactoryIdentity } from "factory-data";
import { buildTime, freeHeap, restart } from "esp32-system";
import type { Device } from "../../src/core/device";
import type { Indication, SystemPort } from "../../src/core/ports";
import type { DeviceType, ProfileDrivers, SwitchDriver } from "../../src/core/profiles";
import { simulatedDrivers } from "../../src/core/sim-drivers";
import { configInt, configString } from "../../src/moddable/app-config";
import { raiseTimeFloor } from "../../src/moddable/clock";
import type { Factory, Host, HostFactory } from "../../src/moddable/host";
import { ModdableMdns } from "../../src/moddable/mdns";
import { chooseFactory } from "../../src/moddable/factory-check";
import { factoryFromResources } from "../../src/moddable/resources";
import { preferenceStore } from "../../src/moddable/store";
import { ResetButton } from "../esp32/button";
import { StatusLed } from "../esp32/led";
import { Esp32WiFi } from "../esp32/wifi-esp32";

/** A relay (or any on/off load) on a GPIO: the state read back is the state driven. */
function gpioSwitch(pin: number, activeLow: boolean): SwitchDriver {
  const out = new Digital({ pin, mode: Digital.Output });
  let on = false;
  out.write(activeLow ? 1 : 0);
  return {
    get: () => on,
    set(next: boolean): boolean {
      out.write(next !== activeLow ? 1 : 0);
      on = next;
      return on;
    },
  };
}

const host: HostFactory = ({ log, clock }): Host => {
  raiseTimeFloor(buildTime());
  const led = new StatusLed();
  let button: ResetButton | undefined;

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
    platform: "esp32",
    factory(): Factory {
      const choice = chooseFactory(() => readFactoryIdentity(), configString("development", "false") === "true");
      if (choice.use === "factory") {
        const f = choice.record;
        return {
          identity: { deviceId: f.deviceId, activationCode: f.activationCode, deviceType: f.deviceType, discovery: f.discovery },
          tls: { ca: f.caDer, cert: f.clientCertificateDer, key: f.clientKeyDer },
          source: "factory partition",
        };
      }
      if (choice.use === "development") {
        log.warn("factory.invalid", { problem: choice.problem, using: "embedded development identity (development build)" });
        return factoryFromResources();
      }
      // A production unit without valid factory data would trust the public development CA and act
      // as dev-socket-0001: refuse to run (main logs it as fatal and halts; the LED shows the halt).
      log.error("factory.invalid", { problem: choice.problem, action: "halted: production build needs valid factory data (fctry partition)" });
      throw new Error(`factory data invalid (${choice.problem}); a production build does not run without it`);
    },
    wifi: new Esp32WiFi({ log, joinTimeoutMs: configInt("join_timeout_ms", 30_000), sntpHost: configString("sntp", "pool.ntp.org") }),
    discovery: new ModdableMdns(log),
    store: preferenceStore,
    system,
    drivers<K extends DeviceType>(deviceType: K): ProfileDrivers[K] {
      // Boards without metering or sensors get simulated measurements; the switch drives a GPIO when configured.
      const drivers = simulatedDrivers(deviceType, () => Math.random(), () => clock.uptimeMs());
      const pin = configInt("relay_pin", -1);
      if (pin >= 0) {
        const relay = gpioSwitch(pin, configString("relay_active_low", "false") === "true");
        if ("relay" in drivers) drivers.relay = relay;
        else drivers.power = relay;
      }
      return drivers;
    },
    attach(device: Device): void {
      button = new ResetButton({
        onAction: (action) => {
          log.info("button", { action });
          if (action === "factoryReset") device.factoryReset();
          else device.press();
        },
      });
    },
    halt(reason: string): void {
      log.error("halted", { reason });
      led.halt();
      button?.close();
    },
  };
};

export default host;
