// The MQTT2GO development stack in one call: discovery server, cloud broker, optionally the
// local gateway with its mDNS advertisement, a simulated radio and controllers. Everything
// listens on 127.0.0.1 (ephemeral ports unless given); `close()` releases every handle.

import { FactoryRegistry, randomSecret, type Accounts, type ControllerAccount } from "./accounts";
import type { ServerTls } from "./broker";
import { createFactoryIdentity, issueServerCert, loadCertsDir, DEV_CERTS_DIR, type Ca, type FactoryIdentity, type IdentityOptions } from "./certs";
import { startCloud } from "./cloud";
import { Controller } from "./controller";
import { ACTIVATION_TTL_MS, startDiscovery } from "./discovery";
import { startGateway, type Gateway } from "./gateway";
import type { BrokerBackend, HomeBroker } from "./home-service";
import { silentLog, type StackLog } from "./log";
import { MDNS_PORT } from "./mdns";
import type { Mosquitto } from "./mosquitto";
import { SimRadio, type RadioOptions } from "./radio";

export interface StackOptions {
  /** Start the local gateway (SH-GW) and advertise it over mDNS; without it devices take the cloud flow. */
  local?: boolean;
  /** Activation window of the discovery server and the gateway (default 15 min). */
  ttlMs?: number;
  /** mDNS port on loopback (default 5353; tests pass their own so parallel runs don't collide). */
  mdnsPort?: number;
  /**
   * The address devices reach the stack at, handed to them as the cloud broker's host (default
   * the stack's own, 127.0.0.1). QEMU's user-mode network reaches the host's loopback as 10.0.2.2.
   */
  deviceHost?: string;
  /** A certs folder as `gen-certs` writes it (default certs/dev). */
  certsDir?: string;
  log?: StackLog;
  /** The cloud and discovery brokers: embedded aedes (default) or mosquitto (the gateway stays aedes). */
  broker?: BrokerBackend;
  /** Fixed ports (default: ephemeral). */
  ports?: { discoveryHttps?: number; discoveryMqtt?: number; cloud?: number; gateway?: number };
  /** The home and gateway ids the controllers use. */
  homeId?: string;
  cloudGatewayId?: string;
  localGatewayId?: string;
  radio?: RadioOptions;
  /** `broker_ip` the discovery server hands out (default the cloud broker itself), e.g. a fault proxy in front of it. */
  cloudBrokerIp?: string;
}

export interface Endpoint { host: string; port: number }

export interface HomeEndpoint extends Endpoint {
  /** Where controllers log in (the same port on aedes; mosquitto's service listener). */
  controllerPort: number;
  home: string;
  gateway: string;
  /** Device accounts on this broker (created by the controller's add request). */
  accounts: Accounts;
}

export interface Stack {
  host: string;
  /** The development CA (PEM): the only trust anchor of devices and controllers. */
  caPem: string;
  ca: Ca;
  /** Factory identities the stack knows (the manufacturer's registry). */
  registry: FactoryRegistry;
  discovery: { host: string; httpsPort: number; mqttPort: number; activateUrl: string; token: string };
  cloud: HomeEndpoint;
  /** Present when started with `local: true`. */
  gateway?: HomeEndpoint & { mdnsPort: number; pendingCount(): number };
  radio: SimRadio;
  ttlMs: number;
  /** A connected controller on the gateway (default when local) or the cloud. Closed by `close()`. */
  controller(target?: "cloud" | "gateway"): Promise<Controller>;
  /** Every stack event (what the log gets) also goes to `listener` until the returned function is called. */
  watch(listener: StackLog): () => void;
  broker: BrokerBackend;
  /** Stop the cloud broker and start it again: every device session drops at once (mosquitto only). */
  restartCloud(downMs?: number): Promise<void>;
  /** Pids of broker processes the stack runs (mosquitto), for CPU accounting. */
  brokerPids(): number[];
  /** The cloud broker's account reloads (mosquitto; undefined on aedes, which needs none). */
  cloudReloads(): { count: number; total_ms: number; max_ms: number } | undefined;
  /** A broker crashes and restarts on the same port, losing its sessions and retained messages (not its accounts). */
  restartBroker(which: "discovery" | "cloud" | "gateway", downMs?: number): Promise<void>;
  /** Publish on a broker as the broker itself, past every ACL (fault injection: malformed input for a device). */
  inject(which: "discovery" | "cloud" | "gateway", topic: string, payload: string | Uint8Array): Promise<void>;
  /** A new factory identity signed by the stack's CA, added to the registry. */
  createIdentity(options: IdentityOptions): FactoryIdentity;
  close(): Promise<void>;
}

export const STACK_HOST = "127.0.0.1";
/** The only name on the gateway's certificate (PROTOCOL §4: the SRV target). */
export const GATEWAY_SERVER_NAME = "MQTT2GO.local";

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = STACK_HOST;
  const baseLog = options.log ?? silentLog;
  const watchers = new Set<StackLog>();
  const log: StackLog = (component, event, fields) => {
    baseLog(component, event, fields);
    for (const w of watchers) w(component, event, fields);
  };
  const ttlMs = options.ttlMs ?? ACTIVATION_TTL_MS;
  const certs = loadCertsDir(options.certsDir ?? DEV_CERTS_DIR);
  const tls: ServerTls = { chainPem: certs.server.chainPem, keyPem: certs.server.keyPem, caPem: certs.ca.certPem };
  const registry = new FactoryRegistry(certs.identities);
  const radio = new SimRadio(options.radio);
  const homeId = options.homeId ?? "home-1";
  const cloudAccount: ControllerAccount = { user: "controller", password: randomSecret(), home: homeId, gateway: options.cloudGatewayId ?? "gw-cloud" };
  const localAccount: ControllerAccount = { user: "controller", password: randomSecret(), home: homeId, gateway: options.localGatewayId ?? "gw-local" };
  const token = randomSecret(24);

  const closers: (() => Promise<void>)[] = [];
  const controllers = new Set<Controller>();
  const close = async (): Promise<void> => {
    for (const c of controllers) await c.close().catch(() => {});
    controllers.clear();
    radio.close();
    while (closers.length) await closers.pop()!();
  };

  try {
    const discovery = await startDiscovery({ backend: options.broker, host, httpPort: options.ports?.discoveryHttps, mqttPort: options.ports?.discoveryMqtt, tls, token, ttlMs, log });
    closers.push(() => discovery.close());
    const cloud: HomeBroker = await startCloud({
      backend: options.broker, host, port: options.ports?.cloud, tls, ca: certs.ca, registry, controllers: [cloudAccount], brokerIp: options.cloudBrokerIp,
      discovery: { url: discovery.activateUrl, token, caPem: certs.ca.certPem }, log,
      ...(options.deviceHost ? { brokerHost: options.deviceHost } : {}),
    });
    closers.push(() => cloud.close());
    let gateway: Gateway | undefined;
    if (options.local) {
      // The gateway's certificate names only its mDNS host, as a real SH-GW's does: devices reach it
      // at its address and verify it by the SRV target (the TLS server name), never by the IP.
      const gwCert = issueServerCert(certs.ca, { commonName: "MQTT2GO gateway", dnsNames: [GATEWAY_SERVER_NAME], ips: [] });
      const gwTls: ServerTls = { chainPem: gwCert.chainPem, keyPem: gwCert.keyPem, caPem: certs.ca.certPem };
      gateway = await startGateway({
        host, port: options.ports?.gateway, tls: gwTls, ca: certs.ca, registry, controllers: [localAccount], radio, ttlMs,
        mdnsPort: options.mdnsPort ?? MDNS_PORT, log,
      });
      closers.push(() => gateway!.close());
    }
    const gw = gateway;

    return {
      host,
      caPem: certs.ca.certPem,
      ca: certs.ca,
      registry,
      discovery: { host, httpsPort: discovery.httpPort, mqttPort: discovery.mqttPort, activateUrl: discovery.activateUrl, token },
      cloud: { host, port: cloud.broker.port, controllerPort: cloud.controllerPort, home: cloudAccount.home, gateway: cloudAccount.gateway, accounts: cloud.accounts },
      gateway: gw && {
        host, port: gw.broker.port, controllerPort: gw.controllerPort, home: localAccount.home, gateway: localAccount.gateway, accounts: gw.accounts,
        mdnsPort: gw.mdns.port, pendingCount: () => gw.pendingCount(),
      },
      radio,
      ttlMs,
      controller: async (target = gw ? "gateway" : "cloud") => {
        if (target === "gateway" && !gw) throw new Error("the stack runs without a local gateway (start it with local: true)");
        const account = target === "gateway" ? localAccount : cloudAccount;
        const c = await Controller.connect({
          host, port: target === "gateway" ? gw!.controllerPort : cloud.controllerPort, caPem: certs.ca.certPem,
          ...(target === "gateway" ? { servername: GATEWAY_SERVER_NAME } : {}),
          user: account.user, password: account.password, home: account.home, gateway: account.gateway, log,
        });
        controllers.add(c);
        return c;
      },
      watch: (listener) => {
        watchers.add(listener);
        return () => { watchers.delete(listener); };
      },
      broker: options.broker ?? "aedes",
      restartCloud: async (downMs = 0) => {
        const b = cloud.broker as Partial<Mosquitto>;
        if (!b.restart) throw new Error("restartCloud needs the mosquitto backend (--broker mosquitto)");
        await b.restart({ downMs });
      },
      cloudReloads: () => (cloud.broker as Partial<Mosquitto>).reloads?.(),
      brokerPids: () => [cloud.broker, discovery.broker].map((b) => (b as Partial<Mosquitto>).pid?.()).filter((p): p is number => p !== undefined),
      restartBroker: async (which, downMs) => {
        if (which === "discovery") return discovery.restartBroker(downMs);
        const b = which === "cloud" ? cloud.broker : gw?.broker;
        if (!b?.restart) throw new Error(`no restartable ${which} broker`);
        await b.restart({ downMs });
      },
      inject: async (which, topic, payload) => {
        if (which === "discovery") return discovery.inject(topic, payload);
        const b = which === "cloud" ? cloud.broker : gw?.broker;
        if (!b) throw new Error(`no ${which} broker`);
        await b.publish(topic, payload);
      },
      createIdentity: (o) => {
        const identity = createFactoryIdentity(certs.ca, o);
        registry.add(identity);
        return identity;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export { Controller } from "./controller";
export { SimRadio } from "./radio";
export { browseMqtt } from "./mdns-browse";
export type { FactoryIdentity } from "./certs";
