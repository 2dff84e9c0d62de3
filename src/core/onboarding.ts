// The device's state machine: onboarding (PROTOCOL §2–§7) and the protocol side of operation (§8).
// A pure reducer: transition(state, event, ctx) → { state, effects }. It never touches a port;
// timers, sessions, storage and logging are effects that device.ts runs.
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, RESET_AFTER_STABLE_MS, backoffDelay, jittered, unit } from "./backoff";
import type { DeviceConfig } from "./config";
import type { Command, EntityDescriptor } from "./entity-types";
import {
  MAX_PAYLOAD_BYTES, decodeAboutQuery, decodeBrokerData, decodeCommand, decodeHomeIn, decodeMqttCredentials,
  decodeRemove, decodeWifiCredentials, encodeAbout, encodeError, encodeGetBrokerData, encodeGetCredentials,
  encodeGetWifiCredentials, encodeHomePrefixRequest, encodeRemoveConfirmation, encodeStatus, encodeWill,
  errorReasonFor, type DecodeError, type MqttCredentials, type WifiCredentials,
} from "./messages";
import { mask } from "./mask";
import type { BrokerFound, CloseReason, Indication, JoinResult, LogLevel, MqttConnectOptions, WpsResult } from "./ports";
import type { CredentialRecord } from "./record";
import { parseObject, timestampOf } from "./json";
import { emitTimestamp } from "./timestamp";
import {
  activationIn, activationOut, commandPrefix, entityOfCommand, entityOut, entitySubscription, homeIn, homeOut, statusOut,
  wifiIn, wifiOut, type Prefix,
} from "./topics";

export type Phase =
  | "boot"
  | "unprovisioned"
  | "wifi_wps"
  | "wifi_guest"
  | "discover"
  | "activate_local"
  | "activate_cloud"
  | "wifi_home"
  | "rediscover"
  | "connect"
  | "home_prefix"
  | "operational"
  | "removing";

/** Longest wait between requests the discovery server refused as unknown (PROTOCOL §6). */
export const REFUSED_MAX_MS = 60_000;

/** PROTOCOL §10: after a local Wi-Fi rejoin the reconnect goes within this jitter. */
export const WIFI_REJOIN_JITTER_MS = 1000;

// The command path's topic strings, built once per device and home prefix rather than per message.
let homeTopicFor = "";
let homeTopicStr = "";
function homeTopic(deviceId: string): string {
  if (deviceId !== homeTopicFor) { homeTopicFor = deviceId; homeTopicStr = homeIn(deviceId); }
  return homeTopicStr;
}
let commandPrefixFor: CredentialRecord["home"];
let commandPrefixDevice = "";
let commandPrefixStr = "";
/** `home` is the record's (its identity changes with the prefix); `p` the prefix built from it. */
function commandPrefixOf(home: CredentialRecord["home"], p: Prefix): string {
  if (home !== commandPrefixFor || p.device !== commandPrefixDevice) {
    commandPrefixFor = home;
    commandPrefixDevice = p.device;
    commandPrefixStr = commandPrefix(p);
  }
  return commandPrefixStr;
}

function hasEntity(entities: readonly EntityDescriptor[], name: string): boolean {
  for (let i = 0, n = entities.length; i < n; i++) if (entities[i].name === name) return true;
  return false;
}

export type TimerName = "window" | "retry" | "reconnect" | "stable" | "report" | "restart";

/** Which request a connected activation session is waiting on. */
type ActivationStep = "credentials" | "wifi";

export interface State {
  phase: Phase;
  /** Why the device is unprovisioned (after an expired or refused attempt). */
  reason: string;
  /** Number of the newest MQTT session; events of older sessions are ignored. */
  session: number;
  connected: boolean;
  /** The newest session was asked to connect and has neither closed nor been dropped. */
  open: boolean;
  /** Backoff attempt for reconnects and retries; reset after 60 s of stable connection. */
  attempt: number;
  /**
   * The doubling goes on from the fleet spread (reconnectSpreadMs), not from 1 s: set when the broker
   * ended an established session, cleared with `attempt`. A unit whose spread reconnect failed
   * (broker still down) must not fall back to a 1 s window, where the whole fleet would bunch up.
   */
  spreadScale: boolean;
  /** The 15-minute activation window is running. */
  onboarding: boolean;
  /** This attempt stored a record that must be rolled back if the window closes. */
  storedThisAttempt: boolean;
  step: ActivationStep;
  guest: boolean;
  /** The home network learned during onboarding (WPS or the guest flow). */
  wifi: WifiCredentials | undefined;
  local: BrokerFound | undefined;
  /** Credentials received from a local broker, not yet persisted (guest flow). */
  pending: MqttCredentials | undefined;
  record: CredentialRecord | undefined;
  /** The current operational session carries the Last Will. */
  will: boolean;
  /** Backoff attempt for re-trying a failed commit; reset once operational. */
  commitAttempt: number;
  /** `unknown_activation_code` answers in this attempt (the re-request backs off from 10 s to 60 s). */
  refusals: number;
}

/**
 * Why a record is committed. `credentials` and `home` are needed before the step can go on: a
 * failed commit puts the device back where it was and asks again (with backoff) while the window
 * is open. `address` and `rename` only update a record that works: the device goes on with the
 * record in RAM and the flash keeps the previous one.
 */
export type CommitPurpose = "credentials" | "home" | "address" | "rename";

export type Event =
  | { type: "boot"; record: CredentialRecord | null }
  | { type: "start" }
  | { type: "factory_reset" }
  | { type: "wps_done"; result: WpsResult }
  | { type: "wifi_done"; result: JoinResult }
  | { type: "mdns_done"; found: BrokerFound | null }
  | { type: "mqtt_connected"; session: number }
  | { type: "mqtt_message"; session: number; topic: string; payload: string; bytes: number }
  | { type: "mqtt_closed"; session: number; reason: CloseReason; detail: string }
  | { type: "timer"; name: TimerName }
  /** The platform got its Wi-Fi link back after it dropped (not a join the reducer asked for). */
  | { type: "wifi_rejoined" }
  /** The commit of the step that started in `before` failed; the rest of that step did not run. */
  | { type: "store_failed"; error: string; purpose: CommitPurpose; before: State };

export type Effect =
  /** `phase` is the phase the event happened in (a step can pass through several). */
  | { kind: "log"; level: LogLevel; phase: Phase; event: string; fields: Record<string, string | number | boolean> }
  | { kind: "indicate"; status: Indication }
  | { kind: "wps_start"; timeoutMs: number }
  | { kind: "wifi_join"; ssid: string; password: string }
  | { kind: "mdns_browse"; windowMs: number }
  | { kind: "mqtt_connect"; session: number; options: MqttConnectOptions }
  | { kind: "mqtt_subscribe"; session: number; topic: string }
  | { kind: "mqtt_publish"; session: number; topic: string; payload: string; retain: boolean }
  | { kind: "mqtt_close"; session: number }
  | { kind: "timer_set"; name: TimerName; ms: number }
  | { kind: "timer_clear"; name: TimerName }
  | { kind: "store_commit"; record: CredentialRecord; purpose: CommitPurpose }
  | { kind: "store_erase" }
  | { kind: "command"; session: number; prefix: Prefix; entity: string; command: Command }
  | { kind: "publish_state"; session: number; prefix: Prefix }
  | { kind: "publish_reports"; session: number; prefix: Prefix }
  | { kind: "restart" }
  /** A valid reply's timestamp, heard over an authenticated TLS session: a time source (§9). */
  | { kind: "time_heard"; unixSeconds: number };

export interface Ctx {
  config: DeviceConfig;
  random(): number;
  /** Wall clock in Unix seconds when valid, else undefined (timestamps are then 0). */
  unixSeconds: number | undefined;
}

export interface Step { state: State; effects: Effect[] }

export function initialState(): State {
  return {
    phase: "boot", reason: "", session: 0, connected: false, open: false, attempt: 0, spreadScale: false, onboarding: false,
    storedThisAttempt: false, step: "credentials", guest: false, wifi: undefined, local: undefined,
    pending: undefined, record: undefined, will: false, commitAttempt: 0, refusals: 0,
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The reducer. Effects are in the order they must run. */
export function transition(state: State, event: Event, ctx: Ctx): Step {
  const t = new Transition(state, ctx);
  t.handle(event);
  return { state: t.s, effects: t.effects };
}


class Transition {
  s: State;
  effects: Effect[] = [];
  private readonly cfg: DeviceConfig;

  constructor(state: State, private readonly ctx: Ctx) {
    this.s = { ...state };
    this.cfg = ctx.config;
  }

  private get T(): number {
    return emitTimestamp(this.ctx.unixSeconds);
  }

  private log(level: LogLevel, event: string, fields: Record<string, string | number | boolean> = {}): void {
    this.effects.push({ kind: "log", level, phase: this.s.phase, event, fields });
  }

  /** A topic as the log may show it: the activation code (a topic level of `<AC>/...`) masked. */
  private shown(topic: string): string {
    const ac = this.cfg.identity.activationCode;
    return topic.includes(ac) ? topic.split(ac).join(mask(ac)) : topic;
  }

  private fx(effect: Effect): void {
    this.effects.push(effect);
  }

  /**
   * Emits the commit. It must be the step's first effect other than logs: when it fails the
   * runtime skips the rest of the step, and the reducer restores the state from before the step.
   */
  private commit(record: CredentialRecord, purpose: CommitPurpose): void {
    this.fx({ kind: "store_commit", record, purpose });
  }

  private enter(phase: Phase): void {
    this.s.phase = phase;
  }

  handle(e: Event): void {
    switch (e.type) {
      case "boot": return this.boot(e.record);
      case "start": return this.start();
      case "factory_reset": return this.factoryReset();
      case "wps_done": return this.wpsDone(e.result);
      case "wifi_done": return this.wifiDone(e.result);
      case "mdns_done": return this.mdnsDone(e.found);
      case "mqtt_connected": return this.connected(e.session);
      case "mqtt_message": return this.message(e);
      case "mqtt_closed": return this.closed(e.session, e.reason, e.detail);
      case "timer": return this.timer(e.name);
      case "wifi_rejoined": return this.wifiRejoined();
      case "store_failed": return this.storeFailed(e.error, e.purpose, e.before);
    }
  }

  // ---- boot and start ------------------------------------------------------------------------

  private boot(record: CredentialRecord | null): void {
    if (this.s.phase !== "boot") return this.log("warn", "boot.ignored", { phase: this.s.phase });
    if (!record) {
      this.log("info", "boot.unprovisioned");
      return this.beginOnboarding();
    }
    this.s.record = record;
    this.log("info", "boot.provisioned", {
      broker: record.broker.kind, host: record.broker.host, port: record.broker.port, prefix: record.home !== undefined,
    });
    if (!record.home) {
      // Stored credentials but no home prefix yet: an onboarding cut short by a restart.
      // It gets a fresh window; if that closes, the record is rolled back.
      this.openWindow();
      this.s.storedThisAttempt = true;
    }
    this.fx({ kind: "indicate", status: "connecting" });
    if (record.wifi) return this.joinHome(record.wifi);
    this.afterNetwork();
  }

  private start(): void {
    if (this.s.phase !== "unprovisioned") return this.log("info", "start.ignored", { phase: this.s.phase });
    this.beginOnboarding();
  }

  private factoryReset(): void {
    this.log("warn", "factory_reset");
    if (this.s.phase === "operational") {
      // Closing sends DISCONNECT, so the broker would drop the Last Will: say offline first (as remove does),
      // and restart once the publish had time to leave.
      this.offlineEraseRestart(this.s.session, this.prefix() as Prefix);
      return;
    }
    this.dropSession();
    this.clearTimers();
    this.fx({ kind: "store_erase" });
    this.fx({ kind: "indicate", status: "removed" });
    this.enter("removing");
    this.fx({ kind: "restart" });
  }

  private openWindow(): void {
    this.s.onboarding = true;
    this.fx({ kind: "timer_set", name: "window", ms: this.cfg.activationWindowMs });
  }

  private beginOnboarding(): void {
    this.resetBackoff();
    this.s.wifi = undefined;
    this.s.local = undefined;
    this.s.pending = undefined;
    this.s.record = undefined;
    this.s.storedThisAttempt = false;
    this.s.refusals = 0;
    this.openWindow();
    this.fx({ kind: "indicate", status: "onboarding" });
    this.log("info", "onboarding.start", { device: this.cfg.identity.deviceId, type: this.cfg.identity.deviceType, window_s: Math.round(this.cfg.activationWindowMs / 1000) });
    this.startWps();
  }

  // ---- Wi-Fi ---------------------------------------------------------------------------------

  private startWps(): void {
    this.enter("wifi_wps");
    this.log("info", "wps.start", { timeout_s: Math.round(this.cfg.wpsTimeoutMs / 1000) });
    this.fx({ kind: "wps_start", timeoutMs: this.cfg.wpsTimeoutMs });
  }

  private wpsDone(r: WpsResult): void {
    if (this.s.phase !== "wifi_wps") return this.log("warn", "wps.ignored", { phase: this.s.phase });
    if (r.ok) {
      this.s.wifi = { ssid: r.ssid, password: r.password };
      this.log("info", "wps.joined", { ssid: r.ssid });
      return this.discover(false);
    }
    this.log("info", "wps.failed", { reason: r.reason });
    this.enter("wifi_guest");
    this.log("info", "guest.join", { ssid: this.cfg.guestSsid });
    this.fx({ kind: "wifi_join", ssid: this.cfg.guestSsid, password: this.cfg.identity.activationCode });
  }

  /** The network wifi_home joins: learned in this attempt, else stored (wifi_home is entered only by joining one). */
  private homeWifi(): WifiCredentials {
    return (this.s.wifi ?? this.s.record?.wifi)!;
  }

  private joinHome(wifi: WifiCredentials): void {
    this.enter("wifi_home");
    this.log("info", "wifi.join", { ssid: wifi.ssid });
    this.fx({ kind: "wifi_join", ssid: wifi.ssid, password: wifi.password });
  }

  private wifiDone(r: JoinResult): void {
    const phase = this.s.phase;
    if (phase !== "wifi_guest" && phase !== "wifi_home") return this.log("warn", "wifi.ignored", { phase });
    if (!r.ok) {
      const delay = this.nextBackoff();
      this.log("warn", phase === "wifi_guest" ? "guest.failed" : "wifi.failed", { reason: r.reason, retry_ms: delay });
      this.fx({ kind: "timer_set", name: "retry", ms: delay });
      return;
    }
    this.resetBackoff();
    if (phase === "wifi_guest") {
      this.log("info", "guest.joined", { ssid: this.cfg.guestSsid });
      return this.discover(true);
    }
    this.log("info", "wifi.joined", { ssid: this.homeWifi().ssid });
    this.afterNetwork();
  }

  /** On the home network: a local broker is re-resolved (the guest-network address may differ), a cloud one is not. */
  private afterNetwork(): void {
    const local = this.s.pending !== undefined || this.s.record?.broker.kind === "local";
    if (local) {
      this.enter("rediscover");
      this.log("info", "mdns.browse", { window_ms: this.cfg.mdnsWindowMs });
      this.fx({ kind: "mdns_browse", windowMs: this.cfg.mdnsWindowMs });
      return;
    }
    this.connectOperational();
  }

  // ---- discovery -----------------------------------------------------------------------------

  private discover(guest: boolean): void {
    this.s.guest = guest;
    this.enter("discover");
    this.log("info", "mdns.browse", { window_ms: this.cfg.mdnsWindowMs });
    this.fx({ kind: "mdns_browse", windowMs: this.cfg.mdnsWindowMs });
  }

  private mdnsDone(found: BrokerFound | null): void {
    const phase = this.s.phase;
    if (phase === "discover") {
      if (found) {
        this.s.local = found;
        this.log("info", "mdns.found", { host: found.host, address: found.address, port: found.port });
        return this.connectActivation("activate_local");
      }
      if (this.s.guest) {
        // The guest network belongs to a gateway: its broker must be there; look again.
        const delay = this.nextBackoff();
        this.log("warn", "mdns.not_found", { retry_ms: delay });
        this.fx({ kind: "timer_set", name: "retry", ms: delay });
        return;
      }
      this.log("info", "mdns.not_found", { next: "cloud" });
      return this.connectActivation("activate_cloud");
    }
    if (phase === "rediscover") return this.rediscovered(found);
    this.log("warn", "mdns.ignored", { phase });
  }

  private rediscovered(found: BrokerFound | null): void {
    if (this.s.pending) {
      // Guest flow: the credentials are stored only now, with the broker's home-network address.
      // pending credentials came from the local broker found on the guest network
      const at = found ?? this.s.local!;
      if (found) this.log("info", "mdns.found", { host: found.host, address: found.address, port: found.port });
      else this.log("warn", "mdns.not_found", { fallback: at.address });
      const p = this.s.pending;
      this.s.pending = undefined;
      return this.persistAndConnect({
        broker: { kind: "local", host: at.address, port: at.port, name: at.host },
        user: p.user, password: p.password, cert: p.cert, wifi: this.s.wifi,
      });
    }
    const record = this.s.record!; // rediscover without pending credentials: a stored local record
    if (!found) {
      this.log("warn", "mdns.not_found", { fallback: record.broker.host });
      return this.connectOperational();
    }
    this.log("info", "mdns.found", { host: found.host, address: found.address, port: found.port });
    if (found.address !== record.broker.host || found.port !== record.broker.port || found.host !== record.broker.name) {
      const updated: CredentialRecord = { ...record, broker: { kind: "local", host: found.address, port: found.port, name: found.host } };
      this.s.record = updated;
      this.commit(updated, "address");
    }
    this.connectOperational();
  }

  // ---- activation sessions ---------------------------------------------------------------------

  private newSession(): number {
    this.dropSession();
    this.s.session += 1;
    this.s.open = true;
    return this.s.session;
  }

  /** Closes the current session, if any, without waiting for its close event. */
  private dropSession(): void {
    if (this.s.open) {
      this.fx({ kind: "mqtt_close", session: this.s.session });
    }
    this.s.connected = false;
    this.s.open = false;
  }

  private connectActivation(phase: "activate_local" | "activate_cloud"): void {
    const id = this.cfg.identity;
    const at = phase === "activate_local" ? this.s.local : undefined;
    const host = at ? at.address : id.discovery.host;
    const port = at ? at.port : id.discovery.port;
    const session = this.newSession();
    this.enter(phase);
    this.log("info", "init.connect", { host, port, session });
    const options: MqttConnectOptions = { host, port, clientId: id.deviceId, username: id.activationCode, keepAliveS: this.cfg.keepAliveS };
    if (at) options.serverName = at.host;
    this.fx({ kind: "mqtt_connect", session, options });
  }

  private requestTimer(): void {
    this.fx({ kind: "timer_set", name: "retry", ms: jittered(this.cfg.requestIntervalMs, () => this.ctx.random()) });
  }

  private sendActivationRequest(): void {
    const ac = this.cfg.identity.activationCode;
    const session = this.s.session;
    if (this.s.step === "wifi") {
      this.fx({ kind: "mqtt_publish", session, topic: wifiOut(ac), payload: encodeGetWifiCredentials(this.T), retain: false });
      this.log("info", "request.sent", { value: "GET_WIFI_CREDENTIALS" });
    } else if (this.s.phase === "activate_local") {
      this.fx({ kind: "mqtt_publish", session, topic: activationOut(ac), payload: encodeGetCredentials(this.T), retain: false });
      this.log("info", "request.sent", { value: "GET_CREDENTIALS" });
    } else {
      this.fx({ kind: "mqtt_publish", session, topic: activationOut(ac), payload: encodeGetBrokerData(this.T), retain: false });
      this.log("info", "request.sent", { value: "GET_BROKER_DATA" });
    }
    this.requestTimer();
  }

  private activationMessage(topic: string, payload: string): void {
    const ac = this.cfg.identity.activationCode;
    if (this.s.step === "credentials" && topic === activationIn(ac)) {
      if (this.s.phase === "activate_cloud") return this.brokerData(payload);
      const r = decodeMqttCredentials(payload);
      if (!r.ok) return this.rejected("mqtt_credentials", r.error);
      this.log("info", "reply.credentials", { user: r.value.user, cert_bytes: r.value.cert.length });
      if (this.s.guest) {
        this.s.pending = r.value;
        this.s.step = "wifi";
        this.fx({ kind: "mqtt_subscribe", session: this.s.session, topic: wifiIn(ac) });
        return this.sendActivationRequest();
      }
      const at = this.s.local!; // activate_local is entered only with the broker mDNS found
      return this.persistAndConnect({
        broker: { kind: "local", host: at.address, port: at.port, name: at.host },
        user: r.value.user, password: r.value.password, cert: r.value.cert, wifi: this.s.wifi,
      });
    }
    if (this.s.step === "wifi" && topic === wifiIn(ac)) {
      const r = decodeWifiCredentials(payload);
      if (!r.ok) return this.rejected("wifi_credentials", r.error);
      this.s.wifi = r.value;
      this.log("info", "reply.wifi", { ssid: r.value.ssid });
      this.closeActivation();
      return this.joinHome(r.value);
    }
    this.log("warn", "reply.ignored", { topic: this.shown(topic), why: "not awaited in this state" });
  }

  private brokerData(payload: string): void {
    const r = decodeBrokerData(payload);
    if (!r.ok) return this.rejected("broker_data", r.error);
    const v = r.value;
    if (v.kind === "error") {
      if (v.error === "unknown_activation_code") {
        // Often the unit is powered on before its label is scanned: keep asking until the window closes.
        const ms = Math.min(REFUSED_MAX_MS, jittered(Math.min(REFUSED_MAX_MS, this.cfg.requestIntervalMs * 2 ** this.s.refusals), () => this.ctx.random()));
        this.s.refusals = Math.min(this.s.refusals + 1, 8);
        this.log("warn", "reply.refused", { error: v.error, retry_ms: ms });
        this.fx({ kind: "timer_set", name: "retry", ms });
        return;
      }
      this.log("error", "reply.error", { error: v.error });
      this.closeActivation();
      return this.endAttempt(v.error);
    }
    this.log("info", "reply.broker_data", { host: v.broker.host, port: v.broker.port, user: v.user, cert_bytes: v.cert.length });
    this.persistAndConnect({
      broker: { kind: "cloud", host: v.broker.host, port: v.broker.port },
      user: v.user, password: v.password, cert: v.cert, wifi: this.s.wifi,
    });
    this.heard(payload);
  }

  /** The timestamp of a reply already decoded as valid (so its JSON parses). */
  private heard(payload: string): void {
    const o = parseObject(payload);
    const t = o.ok ? timestampOf(o.value) : undefined;
    if (t !== undefined) this.fx({ kind: "time_heard", unixSeconds: t });
  }

  private rejected(what: string, e: DecodeError): void {
    this.log("warn", "reply.invalid", { what, reason: e.reason, detail: e.detail });
  }

  private closeActivation(): void {
    this.fx({ kind: "timer_clear", name: "retry" });
    this.dropSession();
  }

  // ---- persistence and the operational broker --------------------------------------------------

  /** Persist before use; the activation session (if any) is closed only once the record is stored. */
  private persistAndConnect(record: CredentialRecord): void {
    this.log("info", "record.commit", { broker: record.broker.kind, host: record.broker.host, port: record.broker.port });
    this.commit(record, "credentials");
    this.closeActivation();
    this.s.record = record;
    this.s.storedThisAttempt = true;
    this.resetBackoff();
    this.connectOperational();
  }

  private prefix(): Prefix | undefined {
    const home = this.s.record?.home;
    return home ? { home: home.home, gateway: home.gateway, device: this.cfg.identity.deviceId } : undefined;
  }

  /** Every caller has a record: stored at boot, just committed, or updated by a step of operation. */
  private connectOperational(): void {
    const record = this.s.record!;
    const session = this.newSession();
    const prefix = this.prefix();
    this.enter("connect");
    this.s.will = prefix !== undefined;
    this.log("info", "broker.connect", { host: record.broker.host, port: record.broker.port, session, will: this.s.will });
    const options: MqttConnectOptions = {
      host: record.broker.host, port: record.broker.port, clientId: this.cfg.identity.deviceId,
      username: record.user, password: record.password, clientCertPem: record.cert, keepAliveS: this.cfg.keepAliveS,
      serverName: record.broker.name, // a local broker's mDNS name; a cloud broker's host is its own
    };
    if (prefix) options.will = { topic: statusOut(prefix), payload: encodeWill(), retain: true };
    this.fx({ kind: "mqtt_connect", session, options });
  }

  private connected(session: number): void {
    if (session !== this.s.session) return;
    this.s.connected = true;
    const phase = this.s.phase;
    if (phase === "activate_local" || phase === "activate_cloud") {
      this.log("info", "init.connected", { session });
      this.s.step = "credentials";
      this.fx({ kind: "mqtt_subscribe", session, topic: activationIn(this.cfg.identity.activationCode) });
      return this.sendActivationRequest();
    }
    if (phase !== "connect") return this.log("warn", "connected.ignored", { phase });
    this.log("info", "broker.connected", { session });
    this.s.commitAttempt = 0;
    this.fx({ kind: "timer_set", name: "stable", ms: RESET_AFTER_STABLE_MS });
    const did = this.cfg.identity.deviceId;
    this.fx({ kind: "mqtt_subscribe", session, topic: homeIn(did) });
    // A known prefix means this session carries the Last Will (the prefix is learned in home_prefix,
    // which then reconnects with it).
    const prefix = this.prefix();
    if (prefix) return this.goOperational(prefix);
    this.enter("home_prefix");
    this.sendHomePrefixRequest();
  }

  private sendHomePrefixRequest(): void {
    const did = this.cfg.identity.deviceId;
    this.fx({ kind: "mqtt_publish", session: this.s.session, topic: homeOut(did), payload: encodeHomePrefixRequest(this.T, this.cfg.entities), retain: false });
    this.log("info", "home_prefix.request", { entities: this.cfg.entities.length });
    this.requestTimer();
  }

  private goOperational(prefix: Prefix): void {
    const session = this.s.session;
    this.enter("operational");
    this.fx({ kind: "mqtt_subscribe", session, topic: entitySubscription(prefix) });
    this.fx({ kind: "mqtt_publish", session, topic: statusOut(prefix), payload: encodeStatus(this.T, "online"), retain: true });
    this.fx({ kind: "publish_state", session, prefix });
    this.fx({ kind: "timer_set", name: "report", ms: this.cfg.reportIntervalMs });
    this.fx({ kind: "indicate", status: "operational" });
    this.log("info", "operational", { home: prefix.home, gateway: prefix.gateway, name: this.s.record?.name ?? "" });
  }

  private homeMessage(payload: string): void {
    const r = decodeHomeIn(payload);
    if (!r.ok) return this.rejected("home", r.error);
    const m = r.value;
    const record = this.s.record!; // home_prefix and operational run on a stored record
    if (m.kind === "home_prefix") {
      if (this.s.phase !== "home_prefix") return this.log("info", "home_prefix.ignored", { phase: this.s.phase });
      const updated: CredentialRecord = { ...record, home: { home: m.home, gateway: m.gateway } };
      this.log("info", "home_prefix.received", { home: m.home, gateway: m.gateway });
      this.commit(updated, "home");
      this.s.record = updated;
      this.heard(payload);
      this.fx({ kind: "timer_clear", name: "retry" });
      this.s.onboarding = false;
      this.fx({ kind: "timer_clear", name: "window" });
      this.log("info", "onboarding.complete");
      return this.connectOperational();
    }
    if (this.s.phase !== "operational") return this.log("info", "rename.ignored", { phase: this.s.phase, why: "before home prefix" });
    if (m.deviceId !== this.cfg.identity.deviceId) return this.log("warn", "rename.ignored", { why: "another device", device: m.deviceId });
    // The gateway relays the latest rename again on every resubscribe: write only a change.
    if (record.name === m.name && sameList(record.groups ?? [], m.groups)) return this.log("info", "rename.unchanged", { name: m.name });
    const updated: CredentialRecord = { ...record, name: m.name, groups: m.groups };
    this.commit(updated, "rename");
    this.s.record = updated;
    this.log("info", "renamed", { name: m.name, groups: m.groups.join(",") });
  }

  // ---- inbound messages ------------------------------------------------------------------------

  private message(e: { session: number; topic: string; payload: string; bytes: number }): void {
    if (e.session !== this.s.session || !this.s.connected) return;
    const phase = this.s.phase;
    if (phase === "activate_local" || phase === "activate_cloud") {
      if (e.bytes > MAX_PAYLOAD_BYTES) return this.log("warn", "reply.invalid", { topic: this.shown(e.topic), reason: "oversized", bytes: e.bytes });
      return this.activationMessage(e.topic, e.payload);
    }
    if (phase !== "home_prefix" && phase !== "operational") return this.log("warn", "message.ignored", { phase, topic: this.shown(e.topic) });
    if (e.topic === homeTopic(this.cfg.identity.deviceId)) {
      if (e.bytes > MAX_PAYLOAD_BYTES) return this.log("warn", "home.invalid", { reason: "oversized", bytes: e.bytes });
      return this.homeMessage(e.payload);
    }
    const prefix = this.prefix();
    // home_prefix has no prefix yet: commands are routed only while operational
    const entity = prefix ? entityOfCommand(commandPrefixOf(this.s.record?.home, prefix), e.topic) : undefined;
    if (!prefix || entity === undefined) return this.log("warn", "message.ignored", { topic: this.shown(e.topic), why: "not a topic of this device" });
    if (e.bytes > MAX_PAYLOAD_BYTES) return this.replyError(prefix, entity, { reason: "oversized", detail: `${e.bytes} bytes` });
    // status/out is the device's own (retained, Last Will); nothing is commanded on status/in.
    if (entity === "status") return this.log("warn", "message.ignored", { topic: this.shown(e.topic), why: "status takes no commands" });
    if (entity === "about") return this.about(prefix, e.payload);
    if (entity === "remove") return this.remove(prefix, e.payload);
    const r = decodeCommand(e.payload);
    if (!r.ok) return this.replyError(prefix, entity, r.error);
    if (!hasEntity(this.cfg.entities, entity)) {
      return this.replyError(prefix, entity, { reason: "unsupported_command", detail: "no such entity" });
    }
    this.log("info", "command", { entity, type: r.value.type });
    this.fx({ kind: "command", session: this.s.session, prefix, entity, command: r.value });
  }

  private replyError(prefix: Prefix, entity: string, e: DecodeError): void {
    const reason = errorReasonFor(e);
    this.log("warn", "command.invalid", { entity, reason: e.reason, detail: e.detail });
    this.fx({ kind: "mqtt_publish", session: this.s.session, topic: entityOut(prefix, entity), payload: encodeError(this.T, reason), retain: false });
  }

  private about(prefix: Prefix, payload: string): void {
    const r = decodeAboutQuery(payload);
    if (!r.ok) return this.replyError(prefix, "about", r.error);
    const id = this.cfg.identity;
    const record = this.s.record;
    const info = {
      deviceId: id.deviceId, deviceType: id.deviceType, deviceName: record?.name ?? "", groups: record?.groups ?? [],
      fwVersion: this.cfg.fwVersion, entities: this.cfg.entities,
    };
    this.log("info", "about");
    this.fx({ kind: "mqtt_publish", session: this.s.session, topic: entityOut(prefix, "about"), payload: encodeAbout(this.T, info), retain: false });
  }

  private remove(prefix: Prefix, payload: string): void {
    const r = decodeRemove(payload);
    if (!r.ok) return this.replyError(prefix, "remove", r.error);
    const session = this.s.session;
    this.log("warn", "remove");
    this.fx({ kind: "mqtt_publish", session, topic: entityOut(prefix, "remove"), payload: encodeRemoveConfirmation(this.T), retain: false });
    this.offlineEraseRestart(session, prefix);
  }

  /** Retained offline status first (closing sends DISCONNECT, dropping the Last Will), then erase and restart. */
  private offlineEraseRestart(session: number, prefix: Prefix): void {
    this.fx({ kind: "mqtt_publish", session, topic: statusOut(prefix), payload: encodeStatus(this.T, "offline"), retain: true });
    this.clearTimers();
    this.fx({ kind: "store_erase" });
    this.s.record = undefined;
    this.fx({ kind: "indicate", status: "removed" });
    this.enter("removing");
    this.fx({ kind: "timer_set", name: "restart", ms: this.cfg.restartDelayMs });
  }

  // ---- session loss, timers, failures ----------------------------------------------------------

  private closed(session: number, reason: CloseReason, detail: string): void {
    if (session !== this.s.session) return;
    const wasConnected = this.s.connected;
    this.s.connected = false;
    this.s.open = false;
    const phase = this.s.phase;
    if (phase !== "activate_local" && phase !== "activate_cloud" && phase !== "connect" && phase !== "home_prefix" && phase !== "operational") return;
    this.fx({ kind: "timer_clear", name: "retry" });
    this.fx({ kind: "timer_clear", name: "stable" });
    this.fx({ kind: "timer_clear", name: "report" });
    const delay = this.reconnectDelay(reason, wasConnected);
    // Credentials refused: back off and try again, never erase (PROTOCOL §10).
    this.log(reason === "auth" || reason === "tls" ? "error" : "warn", "session.closed", { reason, detail, retry_ms: delay });
    if (phase === "operational" || phase === "home_prefix") {
      this.enter("connect");
      this.fx({ kind: "indicate", status: "offline" });
    }
    this.fx({ kind: "timer_set", name: "reconnect", ms: delay });
  }

  private timer(name: TimerName): void {
    const phase = this.s.phase;
    switch (name) {
      case "window":
        if (this.s.onboarding) return this.endAttempt("activation_expired");
        return;
      case "stable":
        if (this.s.attempt !== 0) this.log("debug", "backoff.reset");
        this.resetBackoff();
        return;
      case "report":
        if (phase !== "operational") return;
        this.fx({ kind: "publish_reports", session: this.s.session, prefix: this.prefix() as Prefix });
        this.fx({ kind: "timer_set", name: "report", ms: this.cfg.reportIntervalMs });
        return;
      case "restart": // armed only on the way into removing, which nothing leaves
        this.fx({ kind: "restart" });
        return;
      case "reconnect":
        if (phase === "activate_local" || phase === "activate_cloud") return this.connectActivation(phase);
        if (phase === "connect") return this.connectOperational();
        return;
      case "retry":
        return this.retry();
    }
  }

  private retry(): void {
    switch (this.s.phase) {
      case "activate_local":
      case "activate_cloud": // armed only on a connected session, cleared when it closes
        return this.sendActivationRequest();
      case "home_prefix": // a lost session leaves home_prefix
        return this.sendHomePrefixRequest();
      case "wifi_guest":
        return this.startWps();
      case "wifi_home":
        return this.joinHome(this.homeWifi());
      case "discover":
        return this.discover(this.s.guest);
      case "rediscover":
        // A commit of the guest flow's credentials failed: resolve the broker again and re-commit.
        return this.afterNetwork();
    }
  }

  /**
   * The last step's commit failed and the runtime skipped the rest of that step. Credentials and
   * the home prefix: back to the state before the step, asked again after a backoff while the
   * window is open (the server answers again; the window's end rolls back). An address or a name:
   * go on with the record in RAM; the flash keeps the previous, working record.
   */
  private storeFailed(error: string, purpose: CommitPurpose, undo: State): void {
    if (purpose === "credentials" || purpose === "home") {
      // The window is open (both commits happen inside it); a torn write is rolled back when it closes.
      const attempt = this.s.commitAttempt;
      this.s = { ...undo, commitAttempt: attempt + 1, storedThisAttempt: true };
      const delay = backoffDelay(attempt, () => this.ctx.random());
      this.log("error", "record.failed", { error, purpose, retry_ms: delay });
      this.fx({ kind: "timer_set", name: "retry", ms: delay });
      return;
    }
    this.log("error", "record.failed", { error, purpose, using: "record in RAM" });
    if (purpose === "address") {
      const record = this.s.record;
      this.s = { ...undo, record };
      this.connectOperational();
    }
  }

  /**
   * PROTOCOL §10. The broker ending an established session reaches every unit of a fleet at once:
   * the first reconnect is spread uniformly over [0, reconnectSpreadMs), then the doubling goes on
   * from that spread (2×, then the cap), with full jitter: §10 does not say from which scale it
   * continues, and restarting it at 1 s packs every unit whose spread reconnect met a broker still
   * down into the first seconds after it comes back. CONNACK 3 (server unavailable) waits at least
   * unavailableBackoffMs plus the jittered backoff.
   */
  private reconnectDelay(reason: CloseReason, wasConnected: boolean): number {
    if (reason === "unavailable") return this.cfg.unavailableBackoffMs + this.nextBackoff();
    if (wasConnected && (reason === "network" || reason === "closed" || reason === "timeout")) {
      this.s.spreadScale = true;
      if (this.s.attempt < 1) this.s.attempt = 1;
      return Math.floor(unit(() => this.ctx.random()) * this.cfg.reconnectSpreadMs);
    }
    return this.nextBackoff();
  }

  /** Back on Wi-Fi after a drop: a pending reconnect goes at once (≤ 1 s jitter), not after its spread or backoff. */
  private wifiRejoined(): void {
    const phase = this.s.phase;
    if (this.s.open || (phase !== "connect" && phase !== "activate_local" && phase !== "activate_cloud")) return;
    const delay = Math.floor(unit(() => this.ctx.random()) * WIFI_REJOIN_JITTER_MS);
    // The session was lost on this unit's own link, not by a fleet-wide broker event.
    this.s.spreadScale = false;
    this.log("info", "wifi.rejoined", { retry_ms: delay });
    this.fx({ kind: "timer_set", name: "reconnect", ms: delay });
  }

  private nextBackoff(): number {
    const base = this.s.spreadScale ? Math.max(this.cfg.reconnectSpreadMs, BACKOFF_BASE_MS) : BACKOFF_BASE_MS;
    const delay = backoffDelay(this.s.attempt, () => this.ctx.random(), base, Math.max(BACKOFF_CAP_MS, base));
    this.s.attempt += 1;
    return delay;
  }

  private resetBackoff(): void {
    this.s.attempt = 0;
    this.s.spreadScale = false;
  }

  private clearTimers(): void {
    for (const name of ["window", "retry", "reconnect", "stable", "report"] as const) this.fx({ kind: "timer_clear", name });
  }

  /** The attempt failed for good (window closed, error reply): roll back and wait for a new start. */
  private endAttempt(reason: "activation_expired"): void {
    this.dropSession();
    this.clearTimers();
    if (this.s.storedThisAttempt) {
      this.fx({ kind: "store_erase" });
      this.log("warn", "record.rollback");
    }
    this.s.onboarding = false;
    this.s.record = undefined;
    this.s.pending = undefined;
    this.s.reason = reason;
    this.enter("unprovisioned");
    this.fx({ kind: "indicate", status: reason });
    this.log("error", "onboarding.failed", { reason });
  }
}
