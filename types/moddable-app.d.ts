// Declarations the Moddable SDK 8.2.3 typings lack, for the modules this application uses.
// Read from the SDK's own sources ($MODDABLE/modules/network/mqtt/mqtt.js,
// modules/network/mdns); only what the app calls is declared.

declare module "mqtt" {
  export interface ClientWill {
    topic: string;
    message: string | ArrayBuffer;
    retain?: boolean;
    quality?: 0 | 1 | 2;
  }

  export interface ClientOptions {
    host: string;
    port?: number;
    /** Client id (CONNECT). */
    id?: string;
    user?: string;
    password?: string;
    will?: ClientWill;
    /** Keep-alive interval in milliseconds; CONNECT carries it rounded up to seconds, 0 = none. */
    timeout?: number;
    /** Socket class, e.g. SecureSocket; constructed as `new Socket({host, port, secure})`. */
    Socket?: new (dict: { host: string; port: number; secure?: object }) => object;
    secure?: object;
  }

  export interface PublishFlags {
    retain?: boolean;
    quality?: 0 | 1 | 2;
  }

  /** QoS 0 MQTT 3.1.1 client. Callbacks run from a timer turn, not from the socket callback. */
  export default class Client {
    constructor(options: ClientOptions);
    /** 1 while waiting for CONNACK, 2 when connected, -1 after close. */
    state: number;
    onReady?: () => void;
    onMessage?: (topic: string, payload: ArrayBuffer) => void;
    onClose?: () => void;
    publish(topic: string, data: string | ArrayBuffer, flags?: PublishFlags): void;
    subscribe(topic: string): void;
    unsubscribe(topic: string): void;
    close(immediate?: boolean): void;
    /** Called with the reason for every failure (CONNACK refusal, socket error, keep-alive timeout); calls onClose then close. */
    fail(message?: string): void;
    /** The stream parser: called by the socket callback with each chunk read; keeps its state in `parse` across chunks. */
    received(buffer: ArrayBuffer): void;
  }
}

/** The desktop simulator's native helper (hosts/sim/native). */
declare module "simhost" {
  /** Flushes stdout/stderr and ends the simulator process with `code`. */
  export function exit(code: number): never;

  /** XS memory figures of this machine; slots are `slot_bytes` each. `stack_peak_slots` and `gc_count` need an instrumented build (-i / -d). */
  export interface MemoryFigures {
    slot_bytes: number;
    chunk_used: number;
    chunk_peak: number;
    chunk_reserved: number;
    slot_used_slots: number;
    slot_peak_slots: number;
    slot_reserved_slots: number;
    stack_size_slots: number;
    stack_peak_slots?: number;
    gc_count?: number;
    keys_used: number;
  }
  export function memory(): MemoryFigures;
}

/** ESP32 restart and heap figures (hosts/esp32/system). */
declare module "esp32-system" {
  /** esp_restart(): does not return. */
  export function restart(): never;
  /** esp_get_free_heap_size(), bytes. */
  export function freeHeap(): number;
  /** esp_get_minimum_free_heap_size(): the low-water mark since boot, bytes. */
  export function minimumFreeHeap(): number;
  /** The app descriptor's build date and time in Unix seconds, minus one day (time zones); 0 when absent. */
  export function buildTime(): number;
}

declare module "ssl/cert-sdk" {
  /** The SDK's TLS certificate manager (modules/crypt/ssl/ssl_cert.js), extended by src/moddable/tls-cert.ts. */
  export default class CertificateManager {
    constructor(options: Record<string, unknown>);
    register(cert: ArrayBuffer): void;
    verify(certs: ArrayBuffer[], options: object): boolean;
  }
}

declare module "x509" {
  /** The SDK's X.509 decoder (modules/crypt/etc/x509.js); validity in milliseconds since the epoch. */
  const X509: {
    decode(der: Uint8Array): { tbs: ArrayBuffer };
    decodeTBS(tbs: ArrayBuffer): { validity: { from: number; to: number } };
  };
  export default X509;
}

declare module "openeth" {
  /** Brings QEMU's open_eth NIC up once (esp_netif, DHCP); throws on a driver error. */
  export function start(): void;
  /** The IPv4 address DHCP gave, or "" while there is none. */
  export function address(): string;
}

declare module "xs-memory" {
  /**
   * XS memory: [slot_bytes, chunk_used, chunk_peak, chunk_reserved, slot_used, slot_peak, slot_reserved,
   * stack_size, stack_peak, keys_used, native_stack_free_min]; chunks in bytes, slots and stack in slots,
   * the XS task's least free native (C) stack in bytes. The first call starts the stack measurement.
   */
  export function xsMemory(): number[];
}
