// The cloud broker (PROTOCOL §6–§8): device accounts and the home service; a new account is
// handed to the discovery server with `POST /activate_device`.

import { Agent, request } from "node:https";
import { formatBrokerAddress } from "../src/core/messages";
import type { ControllerAccount, DeviceAccount, FactoryRegistry } from "./accounts";
import type { ServerTls } from "./broker";
import type { Ca } from "./certs";
import { COMPLETE_PATH, type ActivationEntry } from "./discovery";
import { startHomeBroker, type BrokerBackend, type HomeBroker } from "./home-service";
import type { StackLog } from "./log";

export interface DiscoveryClient {
  /** `https://host:port/activate_device` */
  url: string;
  token: string;
  /** The CA the discovery server's certificate chains to. */
  caPem: string;
}

export interface CloudOptions {
  host: string;
  port?: number;
  tls: ServerTls;
  ca: Ca;
  registry: FactoryRegistry;
  controllers: readonly ControllerAccount[];
  discovery: DiscoveryClient;
  backend?: BrokerBackend;
  /** `broker_ip` given to devices; default `<brokerHost>:<port>`. */
  brokerIp?: string;
  /** The host part of the default `broker_ip` (default `host`): where devices reach this broker. */
  brokerHost?: string;
  log: StackLog;
}

/**
 * `POST /activate_device`; resolves with the HTTP status, rejects after the third transport error.
 * A re-post replaces the entry of its code (idempotent): a keep-alive socket the server had just
 * closed (ECONNRESET) or a reply lost to a starved event loop does not fail the activation.
 */
export async function postActivation(d: DiscoveryClient, entry: ActivationEntry, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postJson(d, d.url, entry, timeoutMs);
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** `POST /activation_complete`: the device logged in to its operational broker; the discovery server forgets its entry. */
export function postComplete(d: DiscoveryClient, activationCode: string, deviceId: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return postJson(d, new URL(COMPLETE_PATH, d.url).toString(), { activation_code: activationCode, device_id: deviceId }, timeoutMs);
}

/**
 * One keep-alive agent per discovery server, at most 8 connections: a thousand activations at
 * once reuse a few TLS sessions instead of opening a thousand (which timed the server out).
 */
const agents = new WeakMap<DiscoveryClient, Agent>();
function agentFor(d: DiscoveryClient): Agent {
  let a = agents.get(d);
  if (!a) {
    a = new Agent({ keepAlive: true, maxSockets: 8, ca: d.caPem });
    agents.set(d, a);
  }
  return a;
}

function postJson(d: DiscoveryClient, url: string, payload: object, timeoutMs: number): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent: agentFor(d),
      ca: d.caPem,
      timeout: timeoutMs,
      headers: { authorization: `Bearer ${d.token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("discovery server timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

export async function startCloud(o: CloudOptions): Promise<HomeBroker> {
  let brokerIp = o.brokerIp;
  const home = await startHomeBroker({
    name: "cloud",
    backend: o.backend,
    host: o.host,
    port: o.port ?? 0,
    tls: o.tls,
    ca: o.ca,
    registry: o.registry,
    controllers: o.controllers,
    log: o.log,
    provision: async (a: DeviceAccount) => {
      const r = await postActivation(o.discovery, {
        activation_code: a.activationCode,
        device_id: a.deviceId,
        broker_ip: brokerIp ?? "",
        device_certificate: a.certPem,
        user: a.user,
        password: a.password,
      });
      if (r.status !== 201) throw new Error(`discovery server answered ${r.status}: ${r.body}`);
      o.log("cloud", "activation_registered", { device: a.deviceId });
    },
    onFirstLogin: (a: DeviceAccount) => {
      postComplete(o.discovery, a.activationCode, a.deviceId).then(
        (r) => o.log("cloud", "activation_completed", { device: a.deviceId, status: r.status }),
        (err: Error) => o.log("cloud", "activation_complete_failed", { device: a.deviceId, reason: err.message }),
      );
    },
  });
  brokerIp ??= formatBrokerAddress({ host: o.brokerHost ?? o.host, port: home.broker.port });
  return home;
}
