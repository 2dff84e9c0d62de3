// The runtime: runs the reducer's effects through the platform's ports and turns every port
// callback into an event. Owns the timers and the MQTT sessions; holds no protocol decisions.
import type { DeviceConfig } from "./config";
import type { EntityModel } from "./entities";
import { createLogger, type Logger } from "./log";
import { encodeConfirmation, encodeError, encodeReport } from "./messages";
import { type CommitPurpose, type Ctx, type Effect, type Event, type Phase, type State, type TimerName, initialState, transition } from "./onboarding";
import { executeCommand, periodicReports, stateReports } from "./operation";
import type { MqttSession, Platform, TimerHandle } from "./ports";
import { CredentialStore } from "./record";
import { emitTimestamp } from "./timestamp";
import { entityOut, type Prefix } from "./topics";

export interface DeviceHooks {
  /** Called after every phase change (hosts use it for `--until` and status displays). */
  onPhase?(phase: Phase, state: Readonly<State>): void;
}

export class Device {
  private state: State = initialState();
  private readonly queue: Event[] = [];
  private draining = false;
  private stopped = false;
  /**
   * The phase log lines belong to while a step's effects run: that of the step's last reducer line
   * so far (before it, the phase the step began in). A line the runtime writes for an effect (a
   * clock set from a reply) then reads in the phase it happened in, not the one the step ends in.
   */
  private linePhase: Phase | undefined;
  /** Set when a step's store_commit failed (the rest of that step is skipped). */
  private commitError: { error: string; purpose: CommitPurpose } | undefined;
  private readonly timers = new Map<TimerName, TimerHandle>();
  private readonly sessions = new Map<number, MqttSession>();
  private readonly credentials: CredentialStore;
  readonly log: Logger;

  constructor(
    private readonly platform: Platform,
    private readonly config: DeviceConfig,
    private readonly model: EntityModel,
    private readonly hooks: DeviceHooks = {},
  ) {
    this.credentials = new CredentialStore(platform.store);
    this.ctx = { config, random: () => platform.system.random(), unixSeconds: undefined };
    this.log = createLogger(platform.log, platform.clock, () => this.logPhase, () => this.secrets());
  }

  /** What the logger masks wherever it appears: the unit's activation code and the passwords it holds. */
  /** One context object for every step (only the clock changes). */
  private readonly ctx: Ctx;

  private secrets(): readonly string[] {
    const s = this.state;
    // The same list until the record, the pending credentials or the Wi-Fi change (not per log line).
    const c = this.secretsOf;
    if (c.list.length > 0 && c.record === s.record && c.pending === s.pending && c.wifi === s.wifi) return c.list;
    const out = [this.config.identity.activationCode];
    for (const p of [s.record?.password, s.record?.wifi?.password, s.pending?.password, s.wifi?.password]) if (p) out.push(p);
    this.secretsOf = { record: s.record, pending: s.pending, wifi: s.wifi, list: out };
    return out;
  }

  private secretsOf: { record: State["record"]; pending: State["pending"]; wifi: State["wifi"]; list: readonly string[] } =
    { record: undefined, pending: undefined, wifi: undefined, list: [] };

  get phase(): Phase {
    return this.state.phase;
  }

  /** The phase a log line written now belongs to (see linePhase): for every logger of the app. */
  get logPhase(): Phase {
    return this.linePhase ?? this.state.phase;
  }

  get snapshot(): Readonly<State> {
    return this.state;
  }

  /** Boot: banner, stored record, first event. */
  start(): void {
    const id = this.config.identity;
    this.log.info("boot", {
      fw: this.config.fwVersion, device: id.deviceId, type: id.deviceType, code: id.activationCode,
      free_bytes: this.platform.system.freeMemory?.(), // left out when undefined, as every field is
    });
    const { record, notes } = this.credentials.load(); // never throws: an unreadable record loads as null with notes
    for (const note of notes) this.log.warn("record.note", { note });
    this.platform.wifi.onRejoin?.(() => this.dispatch({ type: "wifi_rejoined" }));
    this.dispatch({ type: "boot", record });
  }

  /** Button: start a new onboarding from unprovisioned. */
  press(): void {
    this.dispatch({ type: "start" });
  }

  factoryReset(): void {
    this.dispatch({ type: "factory_reset" });
  }

  /** Power off: timers cleared, sessions closed without a goodbye (the broker publishes the Last Will). */
  stop(): void {
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
    this.queue.length = 0;
    this.stopped = true;
  }

  dispatch(event: Event): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let e = this.queue.shift(); e; e = this.queue.shift()) this.step(e);
    } finally {
      this.draining = false;
    }
  }

  private step(event: Event): void {
    const before = this.state.phase;
    this.ctx.unixSeconds = this.platform.clock.unixSeconds();
    const { state, effects } = transition(this.state, event, this.ctx);
    const prior = this.state;
    this.state = state;
    this.commitError = undefined;
    this.linePhase = before;
    for (let i = 0, n = effects.length; i < n; i++) {
      this.run(effects[i]);
      // a failed commit must not be followed by its use; nothing runs after a restart
      if (this.commitError !== undefined || this.stopped) break;
    }
    this.linePhase = undefined;
    if (this.state.phase !== before) this.hooks.onPhase?.(this.state.phase, this.state);
    // Straight after the step, before any queued event: the reducer undoes that step.
    const failed = this.commitError as { error: string; purpose: CommitPurpose } | undefined; // set by run()
    if (failed !== undefined) this.step({ type: "store_failed", error: failed.error, purpose: failed.purpose, before: prior });
  }

  /** Runs one effect; a failed commit sets commitError. */
  private run(effect: Effect): void {
    const p = this.platform;
    switch (effect.kind) {
      case "log":
        this.linePhase = effect.phase;
        this.log[effect.level](effect.event, effect.fields);
        break;
      // The command path's effects first: a switch compares its cases in order.
      case "command":
        this.command(effect.session, effect.prefix, effect.entity, effect.command);
        break;
      case "indicate":
        p.system.indicate?.(effect.status);
        break;
      case "wps_start":
        p.wifi.wps(effect.timeoutMs, (result) => this.dispatch({ type: "wps_done", result }));
        break;
      case "wifi_join":
        p.wifi.join(effect.ssid, effect.password, (result) => this.dispatch({ type: "wifi_done", result }));
        break;
      case "mdns_browse":
        p.discovery.browse(effect.windowMs, (found) => this.dispatch({ type: "mdns_done", found }));
        break;
      case "mqtt_connect": {
        const session = effect.session;
        const s = p.mqtt.connect(effect.options, {
          onConnected: () => this.dispatch({ type: "mqtt_connected", session }),
          onMessage: (topic, payload, bytes) => this.dispatch({ type: "mqtt_message", session, topic, payload, bytes }),
          onClose: (reason, detail) => {
            this.sessions.delete(session);
            this.dispatch({ type: "mqtt_closed", session, reason, detail });
          },
        });
        this.sessions.set(session, s);
        break;
      }
      case "mqtt_subscribe":
        this.sessions.get(effect.session)?.subscribe(effect.topic);
        break;
      case "mqtt_publish":
        this.sessions.get(effect.session)?.publish(effect.topic, effect.payload, effect.retain);
        break;
      case "mqtt_close": {
        const s = this.sessions.get(effect.session);
        this.sessions.delete(effect.session);
        s?.close();
        break;
      }
      case "timer_set": {
        this.clearTimer(effect.name);
        const name = effect.name;
        this.timers.set(name, p.timers.set(effect.ms, () => {
          this.timers.delete(name);
          this.dispatch({ type: "timer", name });
        }));
        break;
      }
      case "timer_clear":
        this.clearTimer(effect.name);
        break;
      case "store_commit":
        try {
          this.credentials.commit(effect.record);
        } catch (e) {
          this.commitError = { error: String(e), purpose: effect.purpose };
        }
        break;
      case "store_erase":
        try {
          this.credentials.erase();
        } catch (e) {
          this.log.error("record.erase_failed", { error: String(e) });
        }
        break;
      case "publish_state":
        this.publishValues(effect.session, effect.prefix, stateReports(this.model), true);
        break;
      case "publish_reports":
        this.publishValues(effect.session, effect.prefix, periodicReports(this.model), false);
        break;
      case "time_heard":
        p.clock.heard?.(effect.unixSeconds);
        break;
      case "restart":
        this.log.warn("restart");
        this.stop();
        p.system.restart();
        break;
    }
  }

  private clearTimer(name: TimerName): void {
    const h = this.timers.get(name);
    if (h !== undefined) {
      this.platform.timers.clear(h);
      this.timers.delete(name);
    }
  }

  private get T(): number {
    return emitTimestamp(this.platform.clock.unixSeconds());
  }

  private command(session: number, prefix: Prefix, entity: string, command: Parameters<typeof executeCommand>[2]): void {
    const s = this.sessions.get(session);
    if (!s) return;
    const outcome = executeCommand(this.model, entity, command);
    if (outcome.kind === "confirmation") {
      this.log.info("command.applied", { entity, value: outcome.value }); // the logger writes an object value as JSON
      // Retained: the entity's out topic always holds its latest state for late subscribers.
      s.publish(entityOut(prefix, entity), encodeConfirmation(this.T, outcome.value), true);
    } else {
      this.log.warn("command.failed", { entity, reason: outcome.reason });
      s.publish(entityOut(prefix, entity), encodeError(this.T, outcome.reason), false);
    }
  }

  /** The state on (re)connect is retained; periodic reports are not (PROTOCOL §8). */
  private publishValues(session: number, prefix: Prefix, values: ReturnType<typeof stateReports>, retain: boolean): void {
    const s = this.sessions.get(session);
    if (!s) return;
    for (const v of values) s.publish(entityOut(prefix, v.entity), encodeReport(this.T, v.value, v.unit), retain);
  }
}
