// The ports: what a platform (ESP32, the desktop simulator, Node) provides to the core.
// Ports report results through callbacks, the style of Moddable's own modules; the core
// turns each callback into one event for the onboarding reducer.
// No type here refers to a Moddable, Node or Web API.

/** Result of a WPS push-button run. On success the platform has joined that network. */
export type WpsResult =
  | { ok: true; ssid: string; password: string }
  | { ok: false; reason: "timeout" | "failed" | "unsupported" };

export type JoinResult = { ok: true } | { ok: false; reason: string };

export interface WiFiPort {
  /** Start WPS push-button configuration; `done` is called exactly once. */
  wps(timeoutMs: number, done: (result: WpsResult) => void): void;
  /** Join a WPA2 network (the guest network or the home network); `done` exactly once. */
  join(ssid: string, password: string, done: (result: JoinResult) => void): void;
  /** Leave the current network (before re-joining another one). */
  disconnect(): void;
  /** Optional: `callback` runs each time a joined network that dropped is back (the platform rejoined it). */
  onRejoin?(callback: () => void): void;
}

/** A local broker found by mDNS: SRV target, its address and SRV port. */
export interface BrokerFound { host: string; address: string; port: number }

export interface DiscoveryPort {
  /** Browse `_mqtt._tcp.local` for up to `windowMs` (up to 3 queries); `done(null)` when nothing matched. */
  browse(windowMs: number, done: (found: BrokerFound | null) => void): void;
}

export interface Will { topic: string; payload: string; retain: boolean }

/**
 * What the core asks of a TLS MQTT connection. Certificates and keys are the platform's:
 * the factory CA is always the only trust anchor; the client key is always the factory key;
 * the client certificate is the factory certificate unless `clientCertPem` (issued at
 * activation for the factory key) is given.
 */
export interface MqttConnectOptions {
  host: string;
  port: number;
  clientId: string;
  username?: string;
  password?: string;
  clientCertPem?: string;
  /**
   * The name the broker's certificate must carry (TLS server name): a local broker's SRV target
   * (MQTT2GO.local) while `host` is its address. Default: `host`.
   */
  serverName?: string;
  keepAliveS: number;
  will?: Will;
}

/**
 * Why a session ended. `auth` = CONNACK not authorised / bad credentials; `tls` = handshake or
 * certificate failure; `unavailable` = CONNACK 3 (server unavailable).
 */
export type CloseReason = "auth" | "tls" | "refused" | "unavailable" | "network" | "timeout" | "closed";

export interface MqttHandlers {
  onConnected(): void;
  /** `payload` is the UTF-8 text; `bytes` its length on the wire (oversized payloads may arrive as ""). */
  onMessage(topic: string, payload: string, bytes: number): void;
  /** Called once when the session ends, whatever the cause, unless `close()` was called first. */
  onClose(reason: CloseReason, detail: string): void;
}

export interface MqttSession {
  subscribe(topic: string): void;
  publish(topic: string, payload: string, retain: boolean): void;
  /** Close without calling onClose. Must be safe to call from inside any handler. */
  close(): void;
}

export interface MqttPort {
  connect(options: MqttConnectOptions, handlers: MqttHandlers): MqttSession;
}

export type StoredValue = string | number | boolean;

/** A key-value store shaped like ESP32 NVS / Moddable `preference`. Throws on failure. */
export interface KeyValueStore {
  get(domain: string, key: string): StoredValue | undefined;
  set(domain: string, key: string, value: StoredValue): void;
  delete(domain: string, key: string): void;
  /**
   * Optional: run `writes` (sets and deletes) as one write to the medium, atomically, throwing if
   * it fails. A file store writes once per record commit instead of once per key.
   */
  batch?(writes: () => void): void;
}

export type TimerHandle = unknown;

export interface TimerPort {
  set(ms: number, callback: () => void): TimerHandle;
  clear(handle: TimerHandle): void;
}

export interface ClockPort {
  /** Monotonic milliseconds since boot. */
  uptimeMs(): number;
  /** Unix time in seconds when the wall clock is valid (SNTP or broker time), else undefined. */
  unixSeconds(): number | undefined;
  /** A timestamp received over an authenticated TLS session (§9 time source); the clock may adopt it. */
  heard?(unixSeconds: number): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogRecord {
  uptimeMs: number;
  level: LogLevel;
  phase: string;
  event: string;
  /** Already masked: the core never hands a secret to a log sink. */
  fields: Record<string, string | number | boolean>;
}

/**
 * Where log records go. `minLevel` (optional) tells the logger which records the sink would drop,
 * so they are dropped before any masking or formatting work ("off": all of them).
 */
export type LogSink = ((record: LogRecord) => void) & { minLevel?: LogLevel | "off" };

/** What a status LED (or a console) shows. */
export type Indication = "onboarding" | "connecting" | "operational" | "offline" | "activation_expired" | "error" | "removed";

export interface SystemPort {
  restart(): void;
  indicate?(status: Indication): void;
  /** Free heap in bytes, if the platform can tell. */
  freeMemory?(): number;
  random(): number;
}

/** Identity a unit carries from the factory (PROTOCOL §1). Certificates stay inside the MQTT port. */
export interface FactoryIdentity {
  deviceId: string;
  activationCode: string;
  deviceType: string;
  discovery: { host: string; port: number };
}

export interface Platform {
  wifi: WiFiPort;
  discovery: DiscoveryPort;
  mqtt: MqttPort;
  store: KeyValueStore;
  timers: TimerPort;
  clock: ClockPort;
  log: LogSink;
  system: SystemPort;
}
