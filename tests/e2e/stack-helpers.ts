// Helpers for the stack's end-to-end tests: a scripted device (an `mqtt` client with the
// factory certificate), request/reply over MQTT, a free UDP port for a private mDNS.

import { createSocket } from "node:dgram";
import type { IClientOptions, MqttClient } from "mqtt";
import type { FactoryIdentity } from "../../stack/certs";
import { connectMqtt } from "../../stack/mqtt-connect";
import type { BrokerBackend } from "../../stack/home-service";
import { formatLine, type LogFields, type StackLog } from "../../stack/log";
import { mosquittoAvailable } from "../../stack/mosquitto";

/** aedes, and mosquitto where its binary is installed (`.ci/run` installs it). */
export function brokerBackends(): BrokerBackend[] {
  if (mosquittoAvailable()) return ["aedes", "mosquitto"];
  console.log("# mosquitto not installed here: the mosquitto backend's tests are skipped (apt-get install mosquitto)");
  return ["aedes"];
}

export interface DeviceConnect {
  port: number;
  caPem: string;
  identity: FactoryIdentity;
  /** Client certificate; default the factory certificate. `null` presents none. */
  certPem?: string | null;
  username?: string;
  password?: string;
  clientId?: string;
  will?: IClientOptions["will"];
  /** TLS server name; default MQTT2GO.local, which every development broker's certificate carries (the gateway's only). */
  servername?: string;
}

export function connectDevice(o: DeviceConnect): Promise<MqttClient> {
  const cert = o.certPem === undefined ? o.identity.certPem : o.certPem;
  return connectMqtt({
    host: "127.0.0.1",
    port: o.port,
    protocol: "mqtts",
    ca: o.caPem,
    rejectUnauthorized: true,
    servername: o.servername ?? "MQTT2GO.local",
    ...(cert === null ? {} : { cert, key: o.identity.keyPem }),
    clientId: o.clientId ?? o.identity.deviceId,
    username: o.username,
    password: o.password,
    will: o.will,
    connectTimeout: 5000,
  });
}

/** The init session of PROTOCOL §4/§6: client id = device id, username = activation code. */
export function connectInit(port: number, caPem: string, identity: FactoryIdentity): Promise<MqttClient> {
  return connectDevice({ port, caPem, identity, username: identity.activationCode });
}

/** The next message on `topic` within `ms`. */
export function nextMessage(client: MqttClient, topic: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { client.off("message", on); reject(new Error(`no message on ${topic} within ${ms} ms`)); }, ms);
    const on = (t: string, payload: Buffer): void => {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off("message", on);
      resolve(payload.toString("utf8"));
    };
    client.on("message", on);
  });
}

/** Subscribe to the reply topic first, then publish the request, then await the reply. */
export async function request(client: MqttClient, replyTopic: string, requestTopic: string, payload: string, ms = 5000): Promise<string> {
  if ((await subscribeQos(client, replyTopic)) === 128) throw new Error(`subscription to ${replyTopic} refused`);
  const reply = nextMessage(client, replyTopic, ms);
  await client.publishAsync(requestTopic, payload);
  return reply;
}

/** Granted QoS of one subscription (128 = refused). */
export async function subscribeQos(client: MqttClient, filter: string): Promise<number> {
  try {
    const granted = await client.subscribeAsync(filter);
    return granted[0]?.qos ?? -1;
  } catch (err) {
    // mqtt v5 rejects a SUBACK carrying 128; the packet is on the error.
    const granted = (err as { packet?: { granted?: (number | { qos: number })[] } }).packet?.granted?.[0];
    if (granted === undefined) throw err;
    return typeof granted === "number" ? granted : granted.qos;
  }
}

/** Resolves when the broker closes the connection (or after `ms` with false). */
export function closedWithin(client: MqttClient, ms = 3000): Promise<boolean> {
  if (!client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    client.once("close", () => { clearTimeout(timer); resolve(true); });
  });
}

/** A UDP port free right now on loopback (for a private mDNS port per test run). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function end(...clients: (MqttClient | undefined)[]): Promise<void> {
  for (const c of clients) if (c) await c.endAsync(true).catch(() => {});
}

export async function waitUntil(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface LoggedEvent { component: string; event: string; fields: LogFields }

/** A stack log that records events (to wait for what the stack did) and the lines it would print. */
export function recordingLog(): { log: StackLog; events: LoggedEvent[]; lines: string[]; seen(event: string, device?: string): boolean } {
  const events: LoggedEvent[] = [];
  const lines: string[] = [];
  return {
    events,
    lines,
    log: (component, event, fields = {}) => { events.push({ component, event, fields }); lines.push(formatLine(0, component, event, fields)); },
    seen: (event, device) => events.some((e) => e.event === event && (device === undefined || e.fields.device === device)),
  };
}
