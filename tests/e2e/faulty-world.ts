// A world whose device reaches the discovery broker and the cloud broker through fault proxies.
import { FaultProxy } from "../../stack/fault-proxy";
import type { StackOptions } from "../../stack/index";
import type { NodeDeviceOptions } from "../../hosts/node/device-host";
import type { WpsMode } from "../../hosts/node/ports/wifi";
import { world, type DeviceRun, type World } from "./world";

export interface FaultyWorld extends World {
  /** In front of the discovery server's MQTT broker (the device's init session). */
  discoveryProxy: FaultProxy;
  /** In front of the cloud broker (the `broker_ip` the discovery server hands out). */
  cloudProxy: FaultProxy;
  /** Every fault applied, in order, for logs. */
  faults: string[];
}

export async function faultyWorld(o: StackOptions = {}): Promise<FaultyWorld> {
  const faults: string[] = [];
  const cloudProxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: 1 }, onFault: (f) => faults.push(`cloud ${f}`) });
  const w = await world({ ...o, cloudBrokerIp: `127.0.0.1:${cloudProxy.port}` });
  cloudProxy.retarget({ host: w.stack.host, port: w.stack.cloud.port });
  const discoveryProxy = await FaultProxy.start({ target: { host: w.stack.host, port: w.stack.discovery.mqttPort }, onFault: (f) => faults.push(`discovery ${f}`) });
  const boot = w.boot.bind(w);
  return {
    ...w,
    discoveryProxy, cloudProxy, faults,
    boot: (b: Partial<NodeDeviceOptions> & { wps?: WpsMode } = {}): DeviceRun => boot({ discovery: { host: "127.0.0.1", port: discoveryProxy.port }, ...b }),
    close: async () => {
      await discoveryProxy.close();
      await cloudProxy.close();
      await w.close();
    },
  };
}
