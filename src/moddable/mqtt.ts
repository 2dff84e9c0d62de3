// MqttPort over Moddable's `mqtt` client and `securesocket` (TLS 1.2, mutual TLS).
//
// Trust and identity are fixed here, never chosen by the core: the factory CA is the only trust
// anchor, the client key is the factory PKCS#8 key, the client certificate is the factory one
// unless the core passes the PEM issued at activation. Works around the SDK (8.2.3) issues:
// - SecureSocket turns every handshake exception into "socket error -2": a subclass keeps its text;
// - the lin socket crashes when closed inside its own callback: every socket close is deferred;
// - the session cache (keyed by host only) can resume a session without client authentication: off;
// - Client.fail() only traces its reason: a subclass keeps it for onClose;
// - Client.received() allocates a PUBLISH's whole declared payload before we can look at it: the
//   subclass puts a PublishGuard (mqtt-guard.ts) in front of it, which refuses an oversized PUBLISH
//   from its fixed header, and the core answers payload_too_large.
import Client, { type ClientOptions } from "mqtt";
import SecureSocket from "securesocket";
import TextDecoder from "text/decoder";
import Timer from "timer";
import { MAX_PAYLOAD_BYTES } from "../core/messages";
import type { CloseReason, MqttConnectOptions, MqttHandlers, MqttPort, MqttSession } from "../core/ports";
import { PublishGuard } from "./mqtt-guard";
import { pemToDer } from "./pem-der";

export type Binary = ArrayBuffer | HostBuffer;

export interface TlsMaterial {
  /** Factory CA certificate (DER): the only trust anchor. */
  ca: Binary;
  /** Factory client certificate (DER). */
  cert: Binary;
  /** Factory private key (unencrypted PKCS#8 DER). */
  key: Binary;
}

/** Without a CONNACK by then the attempt ends as `timeout`. */
export const CONNECT_TIMEOUT_MS = 30_000;

/** What the TLS layer saw, filled in by the socket, read when the session ends. */
interface TlsProbe {
  tcp: boolean;
  /** Bytes arrived from the server (a refused connection fails before any). */
  heard: boolean;
  established: boolean;
  failure: string | undefined;
}

interface SecureOptions {
  /** TLS server name the certificate is verified against (the SDK's Session maps it to tls_server_name; default the host). */
  serverName?: string;
  protocolVersion: number;
  certificate: Binary;
  clientCertificates: Binary[];
  clientKey: Binary;
  cache: boolean;
  probe: TlsProbe;
}

/** Members of the SDK's SecureSocket that the typings omit (securesocket.js). */
interface SecureSocketInternals {
  /** True until the TLS handshake completes. */
  handshaking?: boolean;
  /** Set when closing; the socket callback then returns at once. */
  closing?: boolean | number;
  /** Runs the TLS state machine; throws (TLSError) on a handshake or record failure. */
  messageHandler(bytesAvailable: number): void;
  close(): void;
}

const SecureSocketBase = SecureSocket as unknown as new (dict: { host: string; port: number; secure?: object }) => SecureSocketInternals;

class ProbedSecureSocket extends SecureSocketBase {
  readonly #probe: TlsProbe;

  constructor(dict: { host: string; port: number; secure?: object }) {
    super(dict);
    this.#probe = (dict.secure as SecureOptions).probe;
  }

  override messageHandler(bytesAvailable: number): void {
    const probe = this.#probe;
    probe.tcp = true; // the first call comes from Socket.connected
    if (bytesAvailable > 0) probe.heard = true;
    try {
      super.messageHandler(bytesAvailable);
      if (!this.handshaking) probe.established = true;
    } catch (e) {
      probe.failure ??= String(e);
      throw e;
    }
  }

  override close(): void {
    // The callback returns early once `closing` is set; the native close happens on a later turn.
    this.closing = true;
    Timer.set(() => {
      try {
        super.close();
      } catch {
        // already closed
      }
    }, 0);
  }
}

class ReportingClient extends Client {
  failure = "";
  /** Set by the session: PUBLISH packets over the limit never reach the SDK parser. */
  guard: PublishGuard | undefined;

  override received(buffer: ArrayBuffer): void {
    const guard = this.guard;
    if (!guard) return super.received(buffer);
    for (const part of guard.filter(buffer)) {
      if (this.state < 0) return;
      super.received(part);
    }
  }

  override fail(message = ""): void {
    if (this.state < 0) return;
    if (!this.failure) this.failure = message;
    const onClose = this.onClose;
    this.close(true);
    onClose?.();
  }
}

let decoder: TextDecoder | undefined; // created on first use: this module is preloaded (frozen at build time)
const CONNACK_TEXT: Readonly<Record<string, string>> = Object.freeze({
  "1": "unacceptable protocol version", "2": "identifier rejected", "3": "server unavailable",
  "4": "bad user name or password", "5": "not authorized",
});

function classify(failure: string, probe: TlsProbe, ready: boolean): { reason: CloseReason; detail: string } {
  if (probe.failure !== undefined) {
    // lin reports a refused connection as connected, then the first write fails.
    if (!probe.heard) return { reason: "network", detail: `connect failed (${probe.failure})` };
    return { reason: "tls", detail: probe.failure };
  }
  // A literal here, not at module level: XS 17.7 crashes on a preloaded RegExp (README).
  const refused = /rejected mqtt request with code (\d+)/.exec(failure);
  if (refused) {
    const code = refused[1];
    const text = CONNACK_TEXT[code] ?? "refused";
    const reason: CloseReason = code === "4" || code === "5" ? "auth" : code === "3" ? "unavailable" : "refused";
    return { reason, detail: `CONNACK ${code} (${text})` };
  }
  if (failure === "read time out") return { reason: "timeout", detail: "no traffic for 1.5 keep-alive intervals" };
  if (!probe.tcp || !probe.heard) return { reason: "network", detail: `connect failed (${failure || "closed"})` };
  if (!probe.established) return { reason: "tls", detail: `connection closed during the TLS handshake (${failure || "closed"})` };
  if (!ready) return { reason: "refused", detail: `connection closed before CONNACK (${failure || "closed"})` };
  if (failure === "socket error -1") return { reason: "closed", detail: "connection closed by the broker" };
  return { reason: "network", detail: failure || "connection lost" };
}

class Session implements MqttSession {
  #client: ReportingClient | undefined;
  #ended = false;
  #ready = false;
  #timer: Timer | undefined;
  readonly #handlers: MqttHandlers;
  readonly #probe: TlsProbe = { tcp: false, heard: false, established: false, failure: undefined };

  constructor(tls: TlsMaterial, o: MqttConnectOptions, handlers: MqttHandlers) {
    this.#handlers = handlers;
    let clientCert: Binary = tls.cert;
    if (o.clientCertPem !== undefined) {
      try {
        clientCert = pemToDer(o.clientCertPem);
      } catch (e) {
        this.#end("tls", `client certificate: ${String(e)}`);
        return;
      }
    }
    const secure: SecureOptions = {
      protocolVersion: 0x0303, certificate: tls.ca, clientCertificates: [clientCert], clientKey: tls.key, cache: false,
      probe: this.#probe,
    };
    if (o.serverName !== undefined) secure.serverName = o.serverName;
    const options: ClientOptions = {
      host: o.host, port: o.port, id: o.clientId, timeout: o.keepAliveS * 1000, Socket: ProbedSecureSocket, secure,
    };
    if (o.username) options.user = o.username;
    if (o.password) options.password = o.password;
    if (o.will) options.will = { topic: o.will.topic, message: o.will.payload, retain: o.will.retain };
    let client: ReportingClient;
    try {
      client = new ReportingClient(options);
    } catch (e) {
      // The Session constructor registers the CA: a bad or not-yet-valid anchor (clock unset) throws here.
      this.#end("tls", String(e));
      return;
    }
    this.#client = client;
    client.guard = new PublishGuard((topic, bytes) => {
      // Reported on a later turn, as the SDK delivers its messages; the core answers payload_too_large.
      Timer.set(() => {
        if (!this.#ended && this.#ready) handlers.onMessage(topic, "", bytes);
      }, 0);
    });
    client.onReady = () => {
      if (this.#ended) return;
      this.#ready = true;
      Timer.clear(this.#timer);
      this.#timer = undefined;
      handlers.onConnected();
    };
    client.onMessage = (topic, payload) => {
      if (this.#ended) return;
      const bytes = payload.byteLength;
      // Oversized payloads are not decoded; the core reports them by size.
      handlers.onMessage(topic, bytes > MAX_PAYLOAD_BYTES ? "" : (decoder ??= new TextDecoder()).decode(payload), bytes);
    };
    client.onClose = () => {
      const { reason, detail } = classify(client.failure, this.#probe, this.#ready);
      this.#end(reason, detail);
    };
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      if (this.#ready || this.#ended) return;
      this.#client?.close(true);
      this.#client = undefined;
      this.#end("timeout", `no CONNACK within ${CONNECT_TIMEOUT_MS} ms`);
    }, CONNECT_TIMEOUT_MS);
  }

  /** Reports the end once, on a later turn (never from inside a socket callback). */
  #end(reason: CloseReason, detail: string): void {
    if (this.#ended) return;
    this.#ended = true;
    Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#client = undefined;
    Timer.set(() => this.#handlers.onClose(reason, detail), 0);
  }

  subscribe(topic: string): void {
    this.#send("subscribe", topic, (c) => c.subscribe(topic));
  }

  publish(topic: string, payload: string, retain: boolean): void {
    this.#send("publish", topic, (c) => c.publish(topic, payload, { retain }));
  }

  /**
   * The SDK client throws ("connection closed") on a send before CONNACK or after the link died.
   * That is reported as the end of the session (so the core reconnects and resends), never
   * swallowed; after the end was reported there is nothing to send on.
   */
  #send(op: string, topic: string, send: (client: ReportingClient) => void): void {
    const client = this.#client;
    if (this.#ended || !client) return;
    try {
      if (!this.#ready) throw new Error("not connected yet (no CONNACK)");
      send(client);
    } catch (e) {
      this.#client = undefined;
      try {
        client.close(true);
      } catch {
        // already closed
      }
      this.#end("network", `${op} ${topic} refused: ${String(e)}`);
    }
  }

  close(): void {
    this.#ended = true;
    Timer.clear(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      try {
        client.close();
      } catch {
        // already closed
      }
    }
  }
}

export class ModdableMqtt implements MqttPort {
  constructor(private readonly tls: TlsMaterial) {}

  connect(options: MqttConnectOptions, handlers: MqttHandlers): MqttSession {
    return new Session(this.tls, options, handlers);
  }
}
