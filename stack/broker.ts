// One TLS MQTT broker (aedes over Node `tls`) with authentication and ACL hooks; the discovery
// broker, the cloud broker and the local gateway are all made by `startBroker`.

import { Aedes, type AuthenticateError, type Client } from "aedes";
import { constants } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { mask } from "../src/core/mask";
import { indexedMemoryPersistence } from "./aedes-persistence";
import { maskTopic, type StackLog } from "./log";
import { boundedEmitter } from "./mq";

/**
 * No DHE: the Moddable client cannot sign CertificateVerify with DHE_RSA (mutual TLS breaks).
 * ECDHE_RSA and plain RSA suites for TLS 1.2 (the Moddable maximum), TLS 1.3 for Node clients.
 */
export const TLS_CIPHERS = [
  "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA",
  "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA256", "AES128-SHA",
].join(":");

export interface ServerTls {
  /** Leaf + CA (Moddable's client needs the issuer in the handshake). */
  chainPem: string;
  keyPem: string;
  /** The CA client certificates must chain to. */
  caPem: string;
}

/** What the broker knows about a CONNECT. */
export interface ConnectInfo {
  clientId: string;
  username: string | undefined;
  password: string | undefined;
  /** The client presented a certificate that chains to the CA. */
  certValid: boolean;
  certCn: string | undefined;
  /** SHA-256 fingerprint (Node's `AB:CD:...` form) of the client certificate. */
  certFingerprint: string | undefined;
}

/**
 * An ACL entry: an exact topic, or `prefix/#` for everything below `prefix`.
 * A subscription filter is allowed when it stays inside an entry (wildcards only below the prefix).
 */
export type TopicRule = string;

export interface Grant {
  /** For logs, e.g. "init dev-socket-0001". */
  who: string;
  /** A secret this session's topics may contain (an activation code): masked in logs. */
  secret?: string;
  publish: readonly TopicRule[];
  subscribe: readonly TopicRule[];
}

export type Authenticator<G extends Grant> = (c: ConnectInfo) => G | { refused: string };

export interface BrokerOptions<G extends Grant> {
  name: string;
  host: string;
  port: number;
  tls: ServerTls;
  /** Reject at the TLS handshake any client without a certificate from the CA. */
  requireClientCert: boolean;
  authenticate: Authenticator<G>;
  /** A client's publish that passed the ACL. */
  onPublish?: (topic: string, payload: string, grant: G) => void;
  /** A subscription the ACL granted (it is active: a publish now reaches it). */
  onSubscribe?: (filter: string, grant: G) => void;
  log: StackLog;
}

export interface MqttBroker {
  name: string;
  host: string;
  port: number;
  /** A Uint8Array payload goes as those bytes (fault injection: binary, invalid UTF-8). */
  publish(topic: string, payload: string | Uint8Array, retain?: boolean): Promise<void>;
  /** Close every session of this client id (e.g. when its account is removed). */
  disconnect(clientId: string): void;
  /**
   * A crash and restart: every connection dropped, refused for `downMs`, then listening again on
   * the same port with no sessions and no retained messages (accounts live outside the broker).
   */
  restart?(opts?: { downMs?: number }): Promise<void>;
  close(): Promise<void>;
}

function levels(t: string): string[] {
  return t.split("/");
}

/** A concrete topic (no wildcards) inside one rule. */
export function topicAllowed(rules: readonly TopicRule[], topic: string): boolean {
  if (topic.includes("+") || topic.includes("#")) return false;
  return rules.some((rule) => {
    if (!rule.endsWith("/#")) return rule === topic;
    const p = levels(rule.slice(0, -2)), t = levels(topic);
    return t.length > p.length && p.every((l, i) => l === t[i]);
  });
}

/** A subscription filter inside one rule: the rule's prefix levels literally, wildcards only below. */
export function filterAllowed(rules: readonly TopicRule[], filter: string): boolean {
  const f = levels(filter);
  return rules.some((rule) => {
    if (!rule.endsWith("/#")) return rule === filter;
    const p = levels(rule.slice(0, -2));
    return f.length > p.length && p.every((l, i) => l === f[i]);
  });
}

/** A topic as logs may show it. */
function shownTopic(topic: string, g: Grant | undefined): string {
  return maskTopic(g?.secret ? topic.split(g.secret).join(mask(g.secret)) : topic);
}

const notAuthorised = (message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: 5 as const });

function peerOf(client: Client): { valid: boolean; cn?: string; fingerprint?: string } {
  const socket = client.conn as TLSSocket;
  if (typeof socket.getPeerCertificate !== "function") return { valid: false };
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.fingerprint256) return { valid: false };
  const cn = cert.subject?.CN;
  return { valid: socket.authorized, cn: Array.isArray(cn) ? undefined : cn, fingerprint: cert.fingerprint256 };
}

export async function startBroker<G extends Grant>(o: BrokerOptions<G>): Promise<MqttBroker> {
  const grants = new WeakMap<Client, G>();
  const connected = new Map<string, Client>();
  const log = (event: string, fields?: Record<string, string | number | boolean | undefined>): void => o.log(o.name, event, fields);
  let aedes = await createAedes();

  /** A broker with empty in-memory persistence: no sessions, no retained messages. */
  async function createAedes(): Promise<Aedes> {
    const aedes = await Aedes.createBroker({ mq: boundedEmitter(), persistence: indexedMemoryPersistence(), maxClientsIdLength: 64, heartbeatInterval: 3_600_000, connectTimeout: 10_000 });

    aedes.authenticate = (client, username, password, done) => {
      const peer = peerOf(client);
      const verdict = o.authenticate({
        clientId: client.id,
        username: username ?? undefined,
        password: password ? password.toString("utf8") : undefined,
        certValid: peer.valid,
        certCn: peer.cn,
        certFingerprint: peer.fingerprint,
      });
      if ("refused" in verdict) {
        log("connect_refused", { client: client.id, reason: verdict.refused });
        done(notAuthorised(verdict.refused), false);
        return;
      }
      grants.set(client, verdict);
      connected.set(client.id, client);
      log("connect", { client: client.id, as: verdict.who });
      done(null, true);
    };

    aedes.authorizeSubscribe = (client, sub, done) => {
      const g = grants.get(client);
      if (g && filterAllowed(g.subscribe, sub.topic)) { done(null, sub); return; }
      log("subscribe_refused", { client: client.id, topic: shownTopic(sub.topic, g) });
      done(null, null);
    };

    aedes.authorizePublish = (client, packet, done) => {
      const g = client ? grants.get(client) : undefined;
      if (!g || !topicAllowed(g.publish, packet.topic)) {
        log("publish_refused", { client: client?.id, topic: shownTopic(packet.topic, g) });
        done(new Error("publish not allowed by the ACL"));
        return;
      }
      // Gateways never retain remove/in (PROTOCOL §8): a retained remove would wipe a re-onboarded device.
      if (packet.retain && packet.topic.endsWith("/remove/in")) packet.retain = false;
      done(null);
    };

    aedes.on("publish", (packet, client) => {
      const g = client ? grants.get(client) : undefined;
      if (g && o.onPublish) o.onPublish(packet.topic, packet.payload.toString(), g);
    });
    aedes.on("subscribe", (subs, client) => {
      const g = grants.get(client);
      // aedes sets a refused subscription's qos to 128 (outside the QoS type).
      if (g && o.onSubscribe) for (const sub of subs) if ((sub.qos as number) !== 128) o.onSubscribe(sub.topic, g);
    });
    aedes.on("clientDisconnect", (client) => {
      if (connected.get(client.id) === client) connected.delete(client.id);
      if (grants.has(client)) log("disconnect", { client: client.id });
    });
    return aedes;
  }

  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({
    cert: o.tls.chainPem,
    key: o.tls.keyPem,
    ca: [o.tls.caPem],
    requestCert: true,
    rejectUnauthorized: o.requireClientCert,
    minVersion: "TLSv1.2",
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    // No TLS 1.2 session resumption: a resumed session carries the certificate of the session it
    // resumes, so a device that reconnects to the same broker with its issued certificate after
    // an init session with the factory one (Moddable caches one session per host name) would be
    // judged by the wrong certificate. Every connection shows the certificate it really has.
    secureOptions: constants.SSL_OP_NO_TICKET,
  }, (socket) => {
    socket.setNoDelay(true); // MQTT is request/response: Nagle + delayed ACK would stall each exchange ~40 ms
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    aedes.handle(socket);
  });
  server.on("tlsClientError", (err) => log("tls_refused", { reason: err.message.split("\n")[0] }));

  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, o.host, () => { server.off("error", reject); resolve(); });
  });
  const stop = async (): Promise<void> => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen(o.port);
  const port = (server.address() as AddressInfo).port;
  log("listening", { host: o.host, port, client_cert: o.requireClientCert ? "required" : "checked per account" });

  return {
    name: o.name,
    host: o.host,
    port,
    publish: (topic, payload, retain = false) => new Promise((resolve, reject) => {
      aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 0, retain, dup: false }, (err) => (err ? reject(err) : resolve()));
    }),
    disconnect(clientId) {
      connected.get(clientId)?.close();
    },
    restart: async ({ downMs = 0 } = {}) => {
      await stop();
      log("restarting", { down_ms: downMs });
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      aedes = await createAedes();
      await listen(port);
      log("listening", { host: o.host, port, restarted: true });
    },
    close: async () => {
      await stop();
      log("closed");
    },
  };
}
