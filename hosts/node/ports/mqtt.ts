// MqttPort over the `mqtt` client and Node's TLS: the factory CA is the only trust anchor, the
// client key is the factory key, the certificate the factory one or the one issued at activation.
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { createSecureContext, type SecureContext } from "node:tls";
import type { CloseReason, MqttConnectOptions, MqttHandlers, MqttPort, MqttSession } from "../../../src/core/ports";

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME|EPROTO/i;

export function closeReason(err: (Error & { code?: string | number }) | undefined): CloseReason {
  if (!err) return "closed";
  const code = err.code;
  // CONNACK return codes 4 (bad user name or password) and 5 (not authorised)
  if (code === 4 || code === 5 || /not authori[sz]ed|bad user ?name or password/i.test(err.message)) return "auth";
  if (code === 3) return "unavailable";
  if (code === 2 || code === 1) return "refused";
  if (typeof code === "string" && code === "ECONNREFUSED") return "refused";
  if (typeof code === "string" && (code === "ETIMEDOUT" || code === "ECONNRESET" || code === "EPIPE")) return "network";
  if ((typeof code === "string" && TLS_CODES.test(code)) || /certificate|handshake|ssl|tls alert/i.test(err.message)) return "tls";
  return "network";
}

export class NodeMqttPort implements MqttPort {
  private readonly live = new Set<MqttClient>();
  /** One TLS context per client certificate (factory, issued): keys and chains are parsed once, not per connect. */
  private readonly contexts = new Map<string, SecureContext>();

  constructor(private readonly tls: TlsMaterial, private readonly connectTimeoutMs = 10_000) {}

  /** Power off: every connection dropped without DISCONNECT, so brokers publish the Last Will. */
  powerOff(): void {
    for (const client of this.live) {
      client.removeAllListeners();
      client.on("error", () => {});
      client.stream?.destroy();
      client.end(true);
    }
    this.live.clear();
  }

  private context(certPem: string): SecureContext {
    let c = this.contexts.get(certPem);
    if (!c) {
      c = createSecureContext({ ca: this.tls.caPem, cert: certPem, key: this.tls.keyPem, minVersion: "TLSv1.2" });
      if (this.contexts.size >= 4) this.contexts.clear(); // a unit has two certificates; bound it anyway
      this.contexts.set(certPem, c);
    }
    return c;
  }

  connect(o: MqttConnectOptions, h: MqttHandlers): MqttSession {
    const options: IClientOptions = {
      protocol: "mqtts",
      host: o.host,
      port: o.port,
      clientId: o.clientId,
      keepalive: o.keepAliveS,
      clean: true,
      reconnectPeriod: 0, // the core owns reconnects (backoff with full jitter)
      connectTimeout: this.connectTimeoutMs,
      protocolVersion: 4,
      rejectUnauthorized: true,
      // The name the certificate is checked against (Node: servername, else host): a local broker's SRV target.
      servername: o.serverName ?? (isIp(o.host) ? undefined : o.host),
    };
    // Passed through to tls.connect: no Nagle (every MQTT packet is a request or an answer), and the
    // identity's one TLS context (CA, client certificate, factory key).
    Object.assign(options, { noDelay: true, secureContext: this.context(o.clientCertPem ?? this.tls.certPem) });
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.will) options.will = { topic: o.will.topic, payload: Buffer.from(o.will.payload), retain: o.will.retain, qos: 0 };

    const client: MqttClient = mqtt.connect(options);
    this.live.add(client);
    let ended = false;
    let lastError: (Error & { code?: string | number }) | undefined;
    const end = (reason: CloseReason, detail: string) => {
      if (ended) return;
      ended = true;
      this.live.delete(client);
      client.removeAllListeners();
      client.on("error", () => {});
      client.end(true);
      h.onClose(reason, detail);
    };
    const sendable = (op: string, topic: string): boolean => {
      if (ended) return false; // the end is reported already
      if (client.connected) return true;
      end("network", `${op} ${topic} refused: the session is not connected`);
      return false;
    };
    client.on("connect", () => h.onConnected());
    client.on("message", (topic, payload) => h.onMessage(topic, payload.toString("utf8"), payload.length));
    client.on("error", (err) => {
      lastError = err;
      end(closeReason(lastError), err.message);
    });
    client.on("close", () => end(closeReason(lastError), lastError?.message ?? "connection closed"));

    return {
      // mqtt.js would queue a send made while not connected and flush it after a later CONNACK:
      // refused here instead, and reported as the end of the session (never swallowed).
      subscribe: (topic) => { if (sendable("subscribe", topic)) client.subscribe(topic, { qos: 0 }); },
      publish: (topic, payload, retain) => { if (sendable("publish", topic)) client.publish(topic, payload, { qos: 0, retain }); },
      close: () => {
        if (ended) return;
        ended = true;
        this.live.delete(client);
        client.removeAllListeners();
        client.on("error", () => {});
        // A connected session says goodbye (DISCONNECT: no Last Will); one still connecting is dropped.
        client.end(!client.connected);
      },
    };
  }
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}
