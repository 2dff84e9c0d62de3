// A platform made of in-memory parts for running the real Device runtime in core tests:
// manual timers, a scripted MQTT port, a MemoryStore for flash. Mocks stop at the ports.
import type { DeviceConfig } from "../../src/core/config";
import { Device } from "../../src/core/device";
import type { EntityModel } from "../../src/core/entities";
import { formatText } from "../../src/core/log";
import { MemoryStore, utf8Length } from "../../src/core/nvs";
import type {
  BrokerFound, CloseReason, Indication, JoinResult, LogRecord, MqttConnectOptions, MqttHandlers, MqttSession, Platform, WpsResult,
} from "../../src/core/ports";
import { createEntities } from "../../src/core/profiles";
import { simulatedDrivers } from "../../src/core/sim-drivers";
import { seeded, testConfig } from "./onboarding-kit";

export class ManualTimers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; cb: () => void }>();
  set(ms: number, cb: () => void): number {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, cb });
    return id;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Advance the clock, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; cb: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].cb();
    }
    this.now = end;
  }
  get count(): number {
    return this.pending.size;
  }
}

/**
 * When a session's end reaches the core: the Node port calls onClose synchronously (mqtt.js emits
 * "close" on its own turn), the Moddable adapter on a later turn (a Timer, never inside a socket
 * callback). Runtime tests run under both.
 */
export type CloseTiming = "sync" | "later";
export const CLOSE_TIMINGS: readonly CloseTiming[] = ["sync", "later"];

/**
 * An MQTT session as strict as the real clients: publish and subscribe before CONNACK or after
 * the end was reported (or after close()) throw, as the Moddable client does ("connection
 * closed"); a broker never sends before CONNACK or after the end. Between a link's death and the
 * later-turn report, sends are lost silently, as on the device.
 */
export class FakeSession implements MqttSession {
  subs: string[] = [];
  pubs: { topic: string; payload: string; retain: boolean }[] = [];
  /** Sends made after the link died and before its end was reported (lost, as on the device). */
  lost: string[] = [];
  /** close() was called by the runtime. */
  closed = false;
  state: "connecting" | "connected" | "dead" | "ended" = "connecting";
  /** The handlers as a broker drives them (CONNACK, PUBLISH, end of the link), checked. */
  readonly handlers: MqttHandlers;

  constructor(readonly options: MqttConnectOptions, private readonly core: MqttHandlers, private readonly timing: CloseTiming, private readonly later: (fn: () => void) => void) {
    this.handlers = {
      onConnected: () => {
        if (this.state !== "connecting" || this.closed) throw new Error(`FakeSession: CONNACK on a session that is ${this.closed ? "closed" : this.state}`);
        this.state = "connected";
        core.onConnected();
      },
      onMessage: (topic, payload, bytes) => {
        if (this.state !== "connected" || this.closed) throw new Error(`FakeSession: PUBLISH to a session that is ${this.closed ? "closed" : this.state}`);
        core.onMessage(topic, payload, bytes);
      },
      onClose: (reason, detail) => this.drop(reason, detail),
    };
  }

  /** The link dies: the end is reported now or on a later turn, never after close(). */
  drop(reason: CloseReason = "network", detail = "connection lost"): void {
    if (this.state === "dead" || this.state === "ended") throw new Error("FakeSession: the link is already down");
    this.state = "dead";
    const report = (): void => {
      this.state = "ended";
      if (!this.closed) this.core.onClose(reason, detail);
    };
    if (this.timing === "sync") report();
    else this.later(report);
  }

  private check(op: string, topic: string): boolean {
    if (this.closed) throw new Error(`FakeSession: ${op} ${topic} after close()`);
    if (this.state === "connecting") throw new Error(`FakeSession: ${op} ${topic} before CONNACK`);
    if (this.state === "ended") throw new Error(`FakeSession: ${op} ${topic} after the session's end was reported`);
    if (this.state === "dead") { this.lost.push(`${op} ${topic}`); return false; }
    return true;
  }

  subscribe(topic: string): void {
    if (this.check("subscribe", topic)) this.subs.push(topic);
  }
  publish(topic: string, payload: string, retain: boolean): void {
    if (this.check("publish", topic)) this.pubs.push({ topic, payload, retain });
  }
  close(): void {
    this.closed = true;
  }
  /** A PUBLISH from the broker, with its size on the wire in UTF-8 bytes. */
  deliver(topic: string, payload: string): void {
    this.handlers.onMessage(topic, payload, utf8Length(payload));
  }
}

export class FakePlatform implements Platform {
  readonly timers = new ManualTimers();
  readonly sessions: FakeSession[] = [];
  readonly lines: LogRecord[] = [];
  readonly indications: Indication[] = [];
  restarts = 0;
  wpsCalls: ((r: WpsResult) => void)[] = [];
  joins: { ssid: string; password: string; done: (r: JoinResult) => void }[] = [];
  browses: ((f: BrokerFound | null) => void)[] = [];
  private readonly rnd = seeded(7);

  constructor(readonly store: MemoryStore = new MemoryStore(), readonly closeTiming: CloseTiming = "sync") {}

  wifi = {
    wps: (_ms: number, done: (r: WpsResult) => void) => { this.wpsCalls.push(done); },
    join: (ssid: string, password: string, done: (r: JoinResult) => void) => { this.joins.push({ ssid, password, done }); },
    disconnect: () => {},
  };
  discovery = { browse: (_ms: number, done: (f: BrokerFound | null) => void) => { this.browses.push(done); } };
  mqtt = {
    connect: (options: MqttConnectOptions, handlers: MqttHandlers) => {
      const s = new FakeSession(options, handlers, this.closeTiming, (fn) => { this.timers.set(0, fn); });
      this.sessions.push(s);
      return s;
    },
  };
  clock = { uptimeMs: () => this.timers.now, unixSeconds: () => 1_790_000_000 };
  log = (r: LogRecord) => { this.lines.push(r); };
  system = {
    restart: () => { this.restarts++; },
    indicate: (s: Indication) => { this.indications.push(s); },
    random: () => this.rnd(),
  };

  get last(): FakeSession {
    const s = this.sessions[this.sessions.length - 1];
    if (!s) throw new Error("no session");
    return s;
  }

  /** Runs what is due now (a later-turn onClose). */
  settle(): void {
    this.timers.advance(0);
  }

  text(): string {
    return this.lines.map(formatText).join("\n");
  }
}

export function socketModel(p: FakePlatform): EntityModel {
  return createEntities("socket", simulatedDrivers("socket", () => p.system.random(), () => p.timers.now));
}

export function makeDevice(p: FakePlatform, config: DeviceConfig = testConfig()): Device {
  return new Device(p, config, socketModel(p));
}

/** Boots a new device and takes it to a connected discovery-server session awaiting broker_data. */
export function toCloudActivation(p: FakePlatform): Device {
  const d = makeDevice(p);
  d.start();
  p.wpsCalls[0]?.({ ok: true, ssid: "HomeNet", password: "home-pass-123" });
  p.browses[0]?.(null);
  p.last.handlers.onConnected();
  return d;
}
