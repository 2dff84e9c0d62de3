// A controller (the MQTT2GO app's role): starts an onboarding with `add_device/out`, awaits the
// setup result, renames, sends commands and awaits their confirmations, asks `about`, removes.
// Promise-based; every wait has a timeout.

import type { MqttClient } from "mqtt";
import {
  decodeAbout, decodeConfirmation, decodeError, decodeRemoveConfirmation, decodeSetupResult, decodeStatus,
  encodeAboutQuery, encodeAddDeviceRequest, encodeCommand, encodeControllerRename, encodeRemove,
  type AboutReport, type AddDeviceRequest, type CommandType, type DeviceStatus, type EntityValue, type ErrorReason,
} from "../src/core/messages";
import { controllerAddIn, controllerAddOut, entityIn, entityOut, statusOut, type Prefix } from "../src/core/topics";
import { unixSeconds } from "./home-service";
import { silentLog, type StackLog } from "./log";
import { connectMqtt } from "./mqtt-connect";

export interface ControllerOptions {
  host: string;
  port: number;
  caPem: string;
  user: string;
  password: string;
  home: string;
  gateway: string;
  clientId?: string;
  /** The name the broker's certificate is checked against, if not `host` (the gateway: MQTT2GO.local). */
  servername?: string;
  log?: StackLog;
}

export interface Received { topic: string; payload: string; retained: boolean; at: number }

/** A device's answer to a command: the confirmation of the applied state, or an error report. */
export type CommandReply = { kind: "confirmation"; value: EntityValue } | { kind: "error"; reason: ErrorReason };

interface Waiter { topic: string; accept: (payload: string, retained: boolean) => boolean; resolve: () => void; fail: (err: Error) => void }

export const DEFAULT_WAIT_MS = 10_000;

export class Controller {
  readonly home: string;
  readonly gateway: string;
  /** Everything received under `<H>/<G>/#`, in order. */
  readonly received: Received[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(m: Received) => void>();

  private constructor(private readonly client: MqttClient, o: ControllerOptions, private readonly log: StackLog) {
    this.home = o.home;
    this.gateway = o.gateway;
    client.on("message", (topic, payload, packet) => {
      const m: Received = { topic, payload: payload.toString("utf8"), retained: packet.retain, at: Date.now() };
      this.received.push(m);
      for (const l of this.listeners) l(m);
      for (const w of [...this.waiters]) if (w.topic === topic && w.accept(m.payload, m.retained)) { this.waiters.delete(w); w.resolve(); }
    });
  }

  static async connect(o: ControllerOptions): Promise<Controller> {
    const client = await connectMqtt({
      host: o.host,
      port: o.port,
      protocol: "mqtts",
      ca: o.caPem,
      rejectUnauthorized: true,
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
      username: o.user,
      password: o.password,
      clientId: o.clientId ?? `controller-${Math.random().toString(36).slice(2, 10)}`,
      connectTimeout: 5000,
    });
    const c = new Controller(client, o, o.log ?? silentLog);
    await client.subscribeAsync(`${o.home}/${o.gateway}/#`);
    return c;
  }

  /** Calls `listener` with every message received from now on, until the returned function is called. */
  onMessage(listener: (m: Received) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  prefix(deviceId: string): Prefix {
    return { home: this.home, gateway: this.gateway, device: deviceId };
  }

  async publish(topic: string, payload: string | Uint8Array, retain = false): Promise<void> {
    await this.client.publishAsync(topic, typeof payload === "string" ? payload : Buffer.from(payload), { qos: 0, retain });
  }

  /**
   * The first message on `topic` (from now on; `includeRetained` also takes retained ones) that
   * `decode` accepts. Register before the action that causes it.
   */
  next<T>(topic: string, decode: (payload: string) => T | undefined, timeoutMs = DEFAULT_WAIT_MS, includeRetained = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let value: T | undefined;
      const w: Waiter = {
        topic,
        accept: (payload, retained) => {
          if (retained && !includeRetained) return false;
          value = decode(payload);
          return value !== undefined;
        },
        resolve: () => { clearTimeout(timer); resolve(value as T); },
        fail: (err) => { clearTimeout(timer); this.waiters.delete(w); reject(err); },
      };
      const timer = setTimeout(() => w.fail(new Error(`controller: no answer on ${topic} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Messages received on `topic` during the next `ms` milliseconds. */
  async collect(topic: string, ms: number): Promise<Received[]> {
    const from = this.received.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.received.slice(from).filter((m) => m.topic === topic);
  }

  /** The setup result the gateway reports for this device (`add_device/in`). */
  setupResult(deviceId: string, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    return this.next(controllerAddIn(this.home, this.gateway), (p) => {
      const r = decodeSetupResult(p);
      return r.ok && r.value.deviceId === deviceId ? r.value.result : undefined;
    }, timeoutMs);
  }

  /** Publish the add request (what the app does after scanning the QR code). */
  async addDevice(req: AddDeviceRequest): Promise<void> {
    this.log("controller", "add_device", { device: req.deviceId, type: req.deviceType });
    await this.publish(controllerAddOut(this.home, this.gateway), encodeAddDeviceRequest(unixSeconds(), req));
  }

  /** Add the device and wait for its setup result (the device has to do its part meanwhile). */
  async onboard(req: AddDeviceRequest, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const result = this.setupResult(req.deviceId, timeoutMs);
    await this.addDevice(req);
    const r = await result;
    this.log("controller", "setup_result", { device: req.deviceId, result: r });
    return r;
  }

  async rename(deviceId: string, name: string, groups: readonly string[] = []): Promise<void> {
    this.log("controller", "rename", { device: deviceId, name, groups: groups.join(",") });
    await this.publish(controllerAddOut(this.home, this.gateway), encodeControllerRename(unixSeconds(), deviceId, name, groups));
  }

  /** Send a command to `<H>/<G>/<DID>/<entity>/in` and await the device's reply on `.../out`. */
  async command(deviceId: string, entity: string, type: CommandType, value: unknown, timeoutMs = DEFAULT_WAIT_MS): Promise<CommandReply> {
    const reply = this.next<CommandReply>(entityOut(this.prefix(deviceId), entity), (p) => {
      const c = decodeConfirmation(p);
      if (c.ok) return { kind: "confirmation", value: c.value.value };
      const e = decodeError(p);
      return e.ok ? { kind: "error", reason: e.value.reason } : undefined;
    }, timeoutMs);
    await this.publish(entityIn(this.prefix(deviceId), entity), encodeCommand(unixSeconds(), type, value));
    const r = await reply;
    this.log("controller", "command_reply", { device: deviceId, entity, reply: r.kind === "confirmation" ? JSON.stringify(r.value) : `error ${r.reason}` });
    return r;
  }

  async about(deviceId: string, timeoutMs = DEFAULT_WAIT_MS): Promise<AboutReport> {
    const reply = this.next(entityOut(this.prefix(deviceId), "about"), (p) => {
      const r = decodeAbout(p);
      return r.ok ? r.value : undefined;
    }, timeoutMs);
    await this.publish(entityIn(this.prefix(deviceId), "about"), encodeAboutQuery(unixSeconds()));
    return reply;
  }

  /** Send `remove` and await the device's confirmation. */
  async remove(deviceId: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const reply = this.next(entityOut(this.prefix(deviceId), "remove"), (p) => (decodeRemoveConfirmation(p).ok ? true : undefined), timeoutMs);
    await this.publish(entityIn(this.prefix(deviceId), "remove"), encodeRemove(unixSeconds()));
    await reply;
    this.log("controller", "removed", { device: deviceId });
  }

  /** The device's last status seen (retained or live), if any. */
  lastStatus(deviceId: string): DeviceStatus | undefined {
    const topic = statusOut(this.prefix(deviceId));
    for (let i = this.received.length - 1; i >= 0; i--) {
      const m = this.received[i];
      if (m.topic !== topic) continue;
      const s = decodeStatus(m.payload);
      if (s.ok) return s.value.status;
    }
    return undefined;
  }

  /** Wait for a status message (retained ones included) equal to `status`. */
  awaitStatus(deviceId: string, status: DeviceStatus, timeoutMs = DEFAULT_WAIT_MS): Promise<DeviceStatus> {
    if (this.lastStatus(deviceId) === status) return Promise.resolve(status);
    return this.next(statusOut(this.prefix(deviceId)), (p) => {
      const s = decodeStatus(p);
      return s.ok && s.value.status === status ? status : undefined;
    }, timeoutMs, true);
  }

  /** Disconnect; pending waits reject. */
  async close(): Promise<void> {
    for (const w of [...this.waiters]) w.fail(new Error("controller closed"));
    await this.client.endAsync(true);
  }
}
