// A platform made of in-memory parts for running the real Device runtime in core tests:
// manual timers, a scripted MQTT port, a MemoryStore for flash. Mocks stop at the ports.
import type { DeviceConfig } from "../../src/core/config";
import { Device } from "../../src/core/device";
import type { EntityModel } from "../../src/core/entities";
import { formatText } from "../../src/core/log";
import { MemoryStore } from "../../src/core/nvs";
import type {
  BrokerFound, Indication, JoinResult, LogRecord, MqttConnectOptions, MqttHandlers, MqttSession, Platform, WpsResult,
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

export class FakeSession implements MqttSession {
  subs: string[] = [];
  pubs: { topic: string; payload: string; retain: boolean }[] = [];
  closed = false;
  constructor(readonly options: MqttConnectOptions, readonly handlers: MqttHandlers) {}
  subscribe(topic: string): void {
    this.subs.push(topic);
  }
  publish(topic: string, payload: string, retain: boolean): void {
    this.pubs.push({ topic, payload, retain });
  }
  close(): void {
    this.closed = true;
  }
  deliver(topic: string, payload: string): void {
    this.handlers.onMessage(topic, payload, payload.length);
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

  constructor(readonly store: MemoryStore = new MemoryStore()) {}

  wifi = {
    wps: (_ms: number, done: (r: WpsResult) => void) => { this.wpsCalls.push(done); },
    join: (ssid: string, password: string, done: (r: JoinResult) => void) => { this.joins.push({ ssid, password, done }); },
    disconnect: () => {},
  };
  discovery = { browse: (_ms: number, done: (f: BrokerFound | null) => void) => { this.browses.push(done); } };
  mqtt = {
    connect: (options: MqttConnectOptions, handlers: MqttHandlers) => {
      const s = new FakeSession(options, handlers);
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
