// Fake of the SDK's `mqtt` Client (modules/network/mqtt/mqtt.js): state 0 → 1 (socket up) → 2
// (CONNACK) → -1 (closed); publish/subscribe throw "connection closed" below state 2; the CONNACK
// sets state 2 at once but onReady runs on a later Timer turn, as do onMessage calls; exceptions
// thrown by onReady/onMessage are swallowed (the SDK wraps them in try/catch); fail(msg) calls
// onClose, then close(); close() never throws. The socket is `new dictionary.Socket({host, port,
// secure})` as in the SDK. Tests drive a client with connack(), message() and fail().
import Timer from "timer";

export interface ClientDictionary { host?: string; port?: number; id?: string; user?: string; password?: string; will?: { topic: string; message: string; retain?: boolean }; timeout?: number; Socket?: new (d: { host: string; port: number; secure?: object }) => { close(): void }; secure?: object }
export interface Sent { kind: "publish" | "subscribe"; topic: string; payload?: string; retain?: boolean }

const clients: Client[] = [];

export default class Client {
  state = 0;
  readonly sent: Sent[] = [];
  readonly dictionary: ClientDictionary;
  ws: { close(): void } | undefined;
  onReady?: () => void;
  onMessage?: (topic: string, payload: ArrayBuffer) => void;
  onClose?: () => void;

  constructor(dictionary: ClientDictionary) {
    if (!dictionary.host) throw new Error("parameter host is required");
    this.dictionary = dictionary;
    if (dictionary.Socket) this.ws = new dictionary.Socket({ host: dictionary.host, port: dictionary.port ?? 1883, secure: dictionary.secure });
    this.state = 1;
    clients.push(this);
  }

  publish(topic: string, data: string, flags?: { retain?: boolean }): void {
    if (this.state < 2) throw new Error("connection closed");
    this.sent.push({ kind: "publish", topic, payload: data, retain: flags?.retain === true });
  }

  subscribe(topic: string): void {
    if (this.state < 2) throw new Error("connection closed");
    this.sent.push({ kind: "subscribe", topic });
  }

  close(_immediate?: boolean): void {
    if (this.ws) {
      try { this.ws.close(); } catch { /* the SDK ignores a close on a closed socket */ }
      this.ws = undefined;
    }
    this.state = -1;
  }

  fail(_msg = ""): void {
    this.onClose?.();
    this.close();
  }
}

/** Every client made since the last reset, oldest first. */
export function mqttClients(): Client[] {
  return clients;
}

export function resetMqtt(): void {
  clients.length = 0;
}

/** The broker's CONNACK: state 2 now, onReady on a later turn (exceptions swallowed). */
export function connack(c: Client): void {
  if (c.state !== 1) throw new Error(`fake mqtt: CONNACK in state ${c.state}`);
  c.state = 2;
  Timer.set(() => { if (c.ws) try { c.onReady?.(); } catch { /* swallowed by the SDK */ } }, 0);
}

/** A PUBLISH from the broker, dispatched on a later turn as UTF-8 bytes. */
export function message(c: Client, topic: string, payload: string): void {
  if (c.state !== 2) throw new Error(`fake mqtt: PUBLISH in state ${c.state}`);
  const bytes = utf8(payload);
  Timer.set(() => { if (c.ws) try { c.onMessage?.(topic, bytes); } catch { /* swallowed by the SDK */ } }, 0);
}

function utf8(s: string): ArrayBuffer {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out).buffer;
}
