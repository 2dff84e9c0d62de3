// The discovery server (PROTOCOL §6): HTTPS `POST /activate_device` for the cloud, and a TLS
// MQTT broker where a device in its init session asks for its broker data. A reply can be lost,
// so the entry is answered again to the same device (client id and factory certificate) until
// the cloud reports that device's first operational login (`POST /activation_complete`) or the
// entry's 15 minutes end; it is never given to another device.

import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isActivationCode, isId } from "../src/core/ids";
import { mask } from "../src/core/mask";
import { isCredential } from "../src/core/message-fields";
import {
  decodeActivationRequest, encodeBrokerData, encodeBrokerError, isPemCertificate, parseBrokerAddress, type BrokerError,
} from "../src/core/messages";
import { activationIn, activationOut } from "../src/core/topics";
import { authenticateInit, sameSecret, type StackGrant } from "./accounts";
import { TLS_CIPHERS, startBroker, type MqttBroker, type ServerTls } from "./broker";
import { commonName } from "./certs";
import { unixSeconds, type BrokerBackend } from "./home-service";
import type { StackLog } from "./log";
import { startMosquitto } from "./mosquitto";

export const ACTIVATION_TTL_MS = 15 * 60_000;
export const ACTIVATE_PATH = "/activate_device";
export const COMPLETE_PATH = "/activation_complete";
const MAX_BODY_BYTES = 16 * 1024;

/** What the cloud registers for one device. */
export interface ActivationEntry {
  activation_code: string;
  device_id: string;
  broker_ip: string;
  device_certificate: string;
  user: string;
  password: string;
}

export interface DiscoveryOptions {
  host: string;
  httpPort?: number;
  mqttPort?: number;
  tls: ServerTls;
  /** Bearer token the cloud must present. */
  token: string;
  ttlMs?: number;
  /** Default aedes. On mosquitto the init session is confined by its user name (the activation code) and
   * needs a certificate from the CA, but the broker cannot show the service which device (client id,
   * certificate) asked: the entry goes to whoever holds the code and a factory certificate. */
  backend?: BrokerBackend;
  /** Monotonic milliseconds (injectable for tests). */
  now?: () => number;
  log: StackLog;
}

export interface DiscoveryServer {
  host: string;
  httpPort: number;
  mqttPort: number;
  /** `https://host:port/activate_device` */
  activateUrl: string;
  broker: MqttBroker;
  /** Its MQTT broker crashes and restarts (sessions lost; pending entries are the server's and stay). */
  restartBroker(downMs?: number): Promise<void>;
  /** Publish on its MQTT broker as the broker itself (fault injection: any topic, any payload). */
  inject(topic: string, payload: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
}

type Validation = { ok: true; entry: ActivationEntry } | { ok: false; field: string; detail: string };

/** Checks the body of `POST /activate_device`; the certificate must be a PEM certificate naming the device id. */
export function validateActivation(body: unknown): Validation {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { ok: false, field: "", detail: "body is not a JSON object" };
  const b = body as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof b[k] === "string" ? b[k] : undefined);
  const bad = (field: string, detail: string): Validation => ({ ok: false, field, detail });
  const ac = str("activation_code"), did = str("device_id"), brokerIp = str("broker_ip"), cert = str("device_certificate");
  const user = str("user"), password = str("password");
  if (!isActivationCode(ac)) return bad("activation_code", "must be 8-64 characters of [A-Za-z0-9_.-]");
  if (!isId(did)) return bad("device_id", "must be 1-64 characters of [A-Za-z0-9_.-]");
  if (brokerIp === undefined || !parseBrokerAddress(brokerIp).ok) return bad("broker_ip", "must be host, host:port or [IPv6]:port");
  if (!isPemCertificate(cert)) return bad("device_certificate", "must be one PEM certificate");
  let cn: string | undefined;
  try { cn = commonName(cert); } catch { return bad("device_certificate", "is not a parseable X.509 certificate"); }
  if (cn !== did) return bad("device_certificate", "does not name device_id");
  if (user === undefined || !isCredential(user)) return bad("user", "must be 1-256 characters of text");
  if (password === undefined || !isCredential(password)) return bad("password", "must be 1-256 characters of text");
  return { ok: true, entry: { activation_code: ac, device_id: did, broker_ip: brokerIp, device_certificate: cert, user, password } };
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { resolve(undefined); req.destroy(); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startDiscovery(o: DiscoveryOptions): Promise<DiscoveryServer> {
  const ttlMs = o.ttlMs ?? ACTIVATION_TTL_MS;
  const now = o.now ?? (() => performance.now());
  const log = (event: string, fields?: Record<string, string | number | boolean | undefined>): void => o.log("discovery", event, fields);
  /** `boundTo`: the factory certificate of the device first answered; only it is answered again. */
  const pending = new Map<string, { entry: ActivationEntry; expiresAt: number; boundTo?: string }>();
  /** Codes that expired (answered `activation_expired` from then on); delivered codes are simply gone. */
  const expired = new Set<string>();

  function sweep(): void {
    const t = now();
    for (const [ac, p] of pending) if (p.expiresAt <= t) { pending.delete(ac); expired.add(ac); log("entry_expired", { device: p.entry.device_id }); }
  }

  /**
   * The reply to GET_BROKER_DATA: the entry, to its device only (client id and factory certificate,
   * bound at the first answer), until that device logs in. `deviceId` undefined: not known
   * (mosquitto backend; its ACL still confines the code's topics to that code).
   */
  function answer(ac: string, deviceId: string | undefined, certFingerprint: string | undefined): ActivationEntry | BrokerError {
    sweep();
    const p = pending.get(ac);
    const sameDevice = deviceId === undefined
      || (p?.entry.device_id === deviceId && certFingerprint !== undefined && (p.boundTo ?? certFingerprint) === certFingerprint);
    if (p && sameDevice) {
      if (certFingerprint !== undefined) p.boundTo = certFingerprint;
      return p.entry;
    }
    // A code registered for another device is "unknown" to this one: nothing leaks about it.
    return expired.has(ac) && !p ? "activation_expired" : "unknown_activation_code";
  }

  /** The device logged in to its operational broker: its entry is no longer needed. */
  function complete(body: unknown): { status: number; body: object } {
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const ac = b.activation_code, did = b.device_id;
    if (!isActivationCode(ac) || !isId(did)) return { status: 400, body: { error: "invalid_field", detail: "activation_code and device_id required" } };
    const p = pending.get(ac);
    if (!p || p.entry.device_id !== did) return { status: 404, body: { error: "no_pending_entry" } };
    pending.delete(ac);
    log("entry_completed", { device: did, answered: p.boundTo !== undefined });
    return { status: 200, body: { status: "completed" } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://discovery");
    if (url.pathname !== ACTIVATE_PATH && url.pathname !== COMPLETE_PATH) { send(res, 404, { error: "not_found" }); return; }
    if (req.method !== "POST") { send(res, 405, { error: "method_not_allowed" }, { allow: "POST" }); return; }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    if (!auth || !sameSecret(auth[1], o.token)) {
      log("activate_refused", { reason: "bad or missing bearer token" });
      send(res, 401, { error: "unauthorized" }, { "www-authenticate": "Bearer" });
      return;
    }
    const text = await readBody(req);
    if (text === undefined) { send(res, 413, { error: "body_too_large", max_bytes: MAX_BODY_BYTES }); return; }
    let body: unknown;
    try { body = JSON.parse(text); } catch { send(res, 400, { error: "malformed_json" }); return; }
    if (url.pathname === COMPLETE_PATH) {
      const r = complete(body);
      send(res, r.status, r.body);
      return;
    }
    const v = validateActivation(body);
    if (!v.ok) {
      log("activate_refused", { reason: `invalid ${v.field}` });
      send(res, 400, { error: "invalid_field", field: v.field, detail: v.detail });
      return;
    }
    sweep();
    pending.set(v.entry.activation_code, { entry: v.entry, expiresAt: now() + ttlMs });
    expired.delete(v.entry.activation_code);
    log("activation_pending", { device: v.entry.device_id, broker: v.entry.broker_ip, ttl_s: Math.round(ttlMs / 1000) });
    send(res, 201, { status: "pending", expires_in_s: Math.round(ttlMs / 1000) });
  }

  const http: Server = createServer({ cert: o.tls.chainPem, key: o.tls.keyPem, minVersion: "TLSv1.2", ciphers: TLS_CIPHERS }, (req, res) => {
    handle(req, res).catch((err: Error) => { log("http_error", { reason: err.message }); if (!res.headersSent) send(res, 500, { error: "internal" }); });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(o.httpPort ?? 0, o.host, () => { http.off("error", reject); resolve(); });
  });
  const httpPort = (http.address() as AddressInfo).port;

  /** An init session's request on `<AC>/activation/out`. */
  function onRequest(ac: string, deviceId: string | undefined, certFingerprint: string | undefined, payload: string): void {
    const who = deviceId ?? `code ${mask(ac)}`;
    const req = decodeActivationRequest(payload);
    if (!req.ok || req.value !== "GET_BROKER_DATA") { log("request_ignored", { device: who, reason: req.ok ? req.value : req.error.detail }); return; }
    const r = answer(ac, deviceId, certFingerprint);
    const reply = typeof r === "string"
      ? encodeBrokerError(unixSeconds(), r)
      : encodeBrokerData(unixSeconds(), { broker: r.broker_ip, cert: r.device_certificate, user: r.user, password: r.password });
    log(typeof r === "string" ? "broker_data_error" : "broker_data_delivered", { device: typeof r === "string" ? who : r.device_id, error: typeof r === "string" ? r : undefined });
    broker.publish(activationIn(ac), reply).catch((err: Error) => log("publish_failed", { reason: err.message }));
  }

  const broker: MqttBroker = o.backend === "mosquitto"
    ? await startMosquitto({
      name: "disc-mqtt", host: o.host, port: o.mqttPort ?? 0, tls: o.tls, deviceLogin: "any-username", log: o.log,
      patterns: [{ access: "read", topic: activationIn("%u") }, { access: "write", topic: activationOut("%u") }],
      serviceTopics: [activationOut("+")],
      onMessage: (topic, payload) => {
        const ac = topic.split("/")[0];
        if (isActivationCode(ac) && topic === activationOut(ac)) onRequest(ac, undefined, undefined, payload);
      },
    })
    : await startBroker<StackGrant>({
      name: "disc-mqtt",
      host: o.host,
      port: o.mqttPort ?? 0,
      tls: o.tls,
      requireClientCert: true,
      log: o.log,
      authenticate: (c) => authenticateInit(c, (ac) => ({ subscribe: [activationIn(ac)], publish: [activationOut(ac)] })),
      onPublish: (topic, payload, grant) => {
        if (grant.role !== "init" || topic !== activationOut(grant.activationCode)) return;
        onRequest(grant.activationCode, grant.deviceId, grant.certFingerprint, payload);
      },
    });
  log("listening", { host: o.host, https_port: httpPort, mqtt_port: broker.port, ttl_s: Math.round(ttlMs / 1000) });

  return {
    host: o.host,
    httpPort,
    mqttPort: broker.port,
    broker,
    activateUrl: `https://${o.host}:${httpPort}${ACTIVATE_PATH}`,
    restartBroker: (downMs) => broker.restart?.({ downMs }) ?? Promise.resolve(),
    inject: (topic, payload) => broker.publish(topic, payload),
    close: async () => {
      await broker.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
