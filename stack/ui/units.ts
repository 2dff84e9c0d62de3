// What the controller page shows: one view per unit, built from what the controller hears on
// `<H>/<G>/#` (setup result, retained status, confirmations, reports, errors, about) and from the
// stack's own events (the onboarding as the cloud, the gateway and the discovery server see it).
// Entity values are only ever the device's: a confirmation or a report, never a request.

import {
  decodeAbout, decodeConfirmation, decodeError, decodeRemoveConfirmation, decodeReport, decodeSetupResult, decodeStatus,
  type AboutReport, type DeviceStatus, type EntityDescriptor, type EntityValue,
} from "../../src/core/messages";
import { isId } from "../../src/core/ids";
import { parseLabelPayload } from "../../src/core/label";
import { isCommandType, isDisplayName, MAX_GROUPS } from "../../src/core/message-fields";
import { maskFields } from "../../src/core/mask";
import { controllerAddIn } from "../../src/core/topics";
import type { Controller, Received } from "../controller";
import type { LogFields } from "../log";

export type OnboardingState = "onboarding" | "success" | "activation_expired" | "refused" | "removed";
export type Tone = "info" | "ok" | "warn" | "error";

export interface TimelineEntry { at: number; source: string; text: string; tone: Tone }

export interface EntityReading {
  value: EntityValue;
  /** A `command_response` (the applied state) or a `periodic_report`. */
  from: "confirmation" | "report";
  at: number;
}

export interface UnitView {
  deviceId: string;
  deviceType: string;
  onboarding: { state: OnboardingState; reason?: string; since: number };
  /** From the retained `status/out`; undefined until the unit has said anything. */
  status?: DeviceStatus;
  timeline: TimelineEntry[];
  /** From `about`: the device's own name, groups and entities. */
  about?: Omit<AboutReport, "deviceId" | "deviceType"> & { at: number };
  /** Entity names the unit gave in its home_prefix request (before `about` tells their types). */
  entityNames: string[];
  values: Record<string, EntityReading>;
  errors: Record<string, { reason: string; at: number }>;
}

/** A request the page made that cannot be done: HTTP status + a sentence for people. */
export class UiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export interface UnitsOptions {
  controller: Controller;
  /** The activation window: an attempt without a setup result by then ends `activation_expired`. */
  ttlMs: number;
  /** How long an action waits for the device (default 10 s). */
  replyMs?: number;
}

const MAX_TIMELINE = 200;

type Describe = (f: LogFields) => { text: string; tone?: Tone } | undefined;

/** The stack events a unit's timeline shows, in the words of the component that logged them. */
const EVENTS: Record<string, Describe> = {
  add_device: () => ({ text: "add request received" }),
  add_device_refused: (f) => ({ text: `add request refused: ${String(f.reason ?? "")}`, tone: "error" }),
  account_created: () => ({ text: "device account created" }),
  account_reused: () => ({ text: "device account of the unfinished activation provisioned again" }),
  provision_skipped: () => ({ text: "not provisioned again: the unit is already on its broker" }),
  add_device_failed: (f) => ({ text: `add request failed: ${String(f.reason ?? "")}`, tone: "error" }),
  provision_failed: (f) => ({ text: `provisioning failed: ${String(f.reason ?? "")}`, tone: "error" }),
  activation_registered: () => ({ text: "activation registered at the discovery server" }),
  activation_pending: (f) => ({ text: `waiting for the unit (window ${String(f.ttl_s ?? "?")} s)` }),
  broker_data_error: (f) => (f.error === "unknown_activation_code"
    ? { text: "the unit asked before its activation was registered (unknown_activation_code); it will ask again", tone: "warn" }
    : { text: `the unit was refused: ${String(f.error ?? "")}`, tone: "error" }),
  broker_data_delivered: () => ({ text: "broker data delivered to the unit", tone: "ok" }),
  credentials_delivered: () => ({ text: "MQTT credentials delivered to the unit", tone: "ok" }),
  wifi_credentials_delivered: () => ({ text: "home Wi-Fi credentials delivered over the guest network", tone: "ok" }),
  activation_closed: (f) => (f.reason === "onboarded" ? undefined : { text: `local activation closed: ${String(f.reason ?? "")}`, tone: f.reason === "expired" ? "error" : "warn" }),
  entry_expired: () => ({ text: "activation entry expired", tone: "error" }),
  entry_completed: (f) => ({ text: f.answered === true ? "activation entry closed: the unit is on its broker" : "activation entry closed" }),
  activation_completed: (f) => (f.status === 200 || f.status === 204
    ? { text: "discovery server told that the unit is in" }
    : { text: `discovery server answered ${String(f.status)} to the completion`, tone: "warn" }),
  activation_complete_failed: (f) => ({ text: `could not tell the discovery server: ${String(f.reason ?? "")}`, tone: "warn" }),
  rename_ignored: (f) => ({ text: `rename ignored: ${String(f.reason ?? "")}`, tone: "warn" }),
  home_prefix: (f) => ({ text: `home prefix sent (entities: ${String(f.entities ?? "")})`, tone: "ok" }),
  home_prefix_malformed: (f) => ({ text: `malformed home_prefix request: ${String(f.reason ?? "")}`, tone: "error" }),
  rename_relayed: (f) => ({ text: `rename relayed to the unit: ${String(f.name ?? "")}` }),
  device_removed: () => ({ text: "the unit confirmed its removal", tone: "ok" }),
  connect: (f) => ({ text: String(f.as ?? "").startsWith("init") ? "unit opened its activation session" : "unit connected" }),
  connect_refused: (f) => ({ text: `connection refused: ${String(f.reason ?? "")}`, tone: "error" }),
  disconnect: () => ({ text: "unit disconnected" }),
  subscribe_refused: (f) => ({ text: `subscription refused: ${String(f.topic ?? "")}`, tone: "warn" }),
  publish_refused: (f) => ({ text: `publish refused: ${String(f.topic ?? "")}`, tone: "warn" }),
};

/** Events whose `device`/`client` field is a unit but that the timeline does not show. */
const QUIET = new Set(["setup_result", "request_ignored", "publish_failed"]);

const SOURCE: Record<string, string> = { "disc-mqtt": "discovery", discovery: "discovery", cloud: "cloud", gateway: "gateway" };

export class Units {
  private readonly units = new Map<string, UnitView>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<(deviceId: string, unit: UnitView | undefined) => void>();
  private readonly controller: Controller;
  private readonly ttlMs: number;
  private readonly replyMs: number;
  private readonly stop: () => void;

  constructor(o: UnitsOptions) {
    this.controller = o.controller;
    this.ttlMs = o.ttlMs;
    this.replyMs = o.replyMs ?? 10_000;
    this.stop = o.controller.onMessage((m) => this.onMessage(m));
  }

  get home(): string { return this.controller.home; }
  get gateway(): string { return this.controller.gateway; }

  list(): UnitView[] {
    return [...this.units.values()];
  }

  get(deviceId: string): UnitView | undefined {
    return this.units.get(deviceId);
  }

  /** `listener(deviceId, unit)` on every change; `unit` is undefined when the unit left the view. */
  subscribe(listener: (deviceId: string, unit: UnitView | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  close(): void {
    this.stop();
    for (const t of this.expiry.values()) clearTimeout(t);
    this.expiry.clear();
    this.listeners.clear();
  }

  // ---- actions (the page's requests) ----------------------------------------------------

  /** Add a unit from its label payload (scanned or pasted). */
  async add(payload: string): Promise<UnitView> {
    const p = parseLabelPayload(payload);
    if (!p.ok) throw new UiError(400, p.error);
    const ids = p.value;
    const known = this.units.get(ids.deviceId);
    if (known?.onboarding.state === "onboarding") throw new UiError(409, `${ids.deviceId} is already onboarding.`);
    if (known?.onboarding.state === "success") throw new UiError(409, `${ids.deviceId} is already in this home. Remove it first to onboard it again.`);
    const u = this.begin(ids.deviceId, ids.deviceType, "label read, add request sent");
    await this.controller.addDevice(ids);
    return u;
  }

  async rename(deviceId: string, name: unknown, groups: unknown): Promise<void> {
    const u = this.need(deviceId);
    if (typeof name !== "string" || !isDisplayName(name.trim())) throw new UiError(400, "A name is 1-64 printable characters.");
    const list = Array.isArray(groups) ? groups : [];
    if (!Array.isArray(groups) || list.length > MAX_GROUPS || !list.every(isId)) {
      throw new UiError(400, `Groups are up to ${MAX_GROUPS} ids (1-64 of A-Z a-z 0-9 _ . -), separated by commas.`);
    }
    await this.controller.rename(deviceId, name.trim(), list);
    this.note(u, "controller", `rename sent: ${name.trim()}${list.length ? ` [${list.join(", ")}]` : ""}`);
    // The device reports its stored name in `about`: ask once the rename has had time to arrive.
    void this.about(deviceId).catch(() => {});
  }

  async command(deviceId: string, entity: unknown, type: unknown, value: unknown): Promise<{ ok: true; value: EntityValue } | { ok: false; reason: string }> {
    const u = this.need(deviceId);
    if (typeof entity !== "string" || !this.entities(u).some((e) => e.name === entity)) throw new UiError(400, `${deviceId} has no entity ${JSON.stringify(entity)}.`);
    if (typeof type !== "string" || !isCommandType(type)) throw new UiError(400, `Unknown command type ${JSON.stringify(type)}.`);
    let reply;
    try {
      reply = await this.controller.command(deviceId, entity, type, type === "query" ? null : value, this.replyMs);
    } catch {
      throw new UiError(504, `${deviceId} did not answer the ${type} on ${entity} within ${this.replyMs / 1000} s.`);
    }
    return reply.kind === "confirmation" ? { ok: true, value: reply.value } : { ok: false, reason: reply.reason };
  }

  async about(deviceId: string): Promise<UnitView> {
    const u = this.need(deviceId);
    try {
      await this.controller.about(deviceId, this.replyMs);
    } catch {
      throw new UiError(504, `${deviceId} did not answer about within ${this.replyMs / 1000} s.`);
    }
    return u;
  }

  async remove(deviceId: string): Promise<void> {
    const u = this.need(deviceId);
    this.note(u, "controller", "remove sent");
    try {
      await this.controller.remove(deviceId, this.replyMs);
    } catch {
      this.note(u, "controller", "no remove confirmation", "error");
      throw new UiError(504, `${deviceId} did not confirm the removal within ${this.replyMs / 1000} s.`);
    }
    this.end(u, "removed");
    // Its retained state would bring it back on the next start: once it has said offline, clear
    // what the broker keeps for it.
    await this.controller.awaitStatus(deviceId, "offline", 3000).catch(() => {});
    const prefix = `${this.home}/${this.gateway}/${deviceId}/`;
    for (const topic of new Set(this.controller.received.filter((m) => m.topic.startsWith(prefix) && m.topic.endsWith("/out")).map((m) => m.topic))) {
      await this.controller.publish(topic, "", true);
    }
  }

  /** Take a unit off the page (it stays whatever it is on the broker). */
  forget(deviceId: string): void {
    this.need(deviceId);
    this.units.delete(deviceId);
    this.clearExpiry(deviceId);
    this.emit(deviceId, undefined);
  }

  // ---- what the stack and the broker say ------------------------------------------------

  /** A stack event (the stack's log): adds to the timeline of the unit it names. */
  readonly observe = (component: string, event: string, fields: LogFields = {}): void => {
    const id = typeof fields.device === "string" ? fields.device : typeof fields.client === "string" ? fields.client : undefined;
    // The controller's own lines are this page's actions (noted as they are made) or another controller's.
    if (!id || QUIET.has(event) || component === "controller") return;
    let u = this.units.get(id);
    if (event === "add_device" && (!u || u.onboarding.state !== "onboarding") && typeof fields.type === "string") {
      u = this.begin(id, fields.type, "add request from another controller (not this page)");
    }
    if (!u) return;
    if (event === "home_prefix" && typeof fields.entities === "string") u.entityNames = fields.entities.split(",").filter(isId);
    const d = EVENTS[event];
    const said = d ? d(fields) : { text: `${event} ${Object.entries(maskFields(fields)).filter(([k]) => k !== "device" && k !== "client").map(([k, v]) => `${k}=${String(v)}`).join(" ")}`.trim() };
    if (said) this.note(u, SOURCE[component] ?? component, said.text, said.tone ?? "info");
    if (u.onboarding.state !== "onboarding") return;
    if ((event === "broker_data_error" && fields.error === "activation_expired") || (event === "activation_closed" && fields.reason === "expired")) {
      this.end(u, "activation_expired");
    }
  };

  private onMessage(m: Received): void {
    if (m.topic === controllerAddIn(this.home, this.gateway)) { this.onSetupResult(m.payload); return; }
    const levels = m.topic.split("/");
    if (levels.length !== 5 || levels[0] !== this.home || levels[1] !== this.gateway || levels[4] !== "out") return;
    const [, , deviceId, entity] = levels;
    if (!isId(deviceId) || !isId(entity) || m.payload === "") return;
    let u = this.units.get(deviceId);
    if (entity === "status") {
      const s = decodeStatus(m.payload);
      if (!s.ok) return;
      // A unit onboarded before this page started: its retained status introduces it.
      if (!u) {
        u = this.create(deviceId, "", "success");
        this.note(u, "broker", "known to the broker (retained status)");
      }
      if (u.status !== s.value.status) {
        u.status = s.value.status;
        this.note(u, "unit", s.value.status, s.value.status === "online" ? "ok" : "warn");
        if (s.value.status === "online" && u.onboarding.state !== "removed") void this.about(deviceId).catch(() => {});
      }
      return;
    }
    if (!u) return;
    if (entity === "about") {
      const a = decodeAbout(m.payload);
      if (!a.ok) return;
      const { deviceId: _id, deviceType, timestamp: _t, ...rest } = a.value;
      if (!u.deviceType) u.deviceType = deviceType;
      u.about = { ...rest, at: Date.now() };
    } else if (entity === "remove") {
      if (!decodeRemoveConfirmation(m.payload).ok) return;
    } else {
      const c = decodeConfirmation(m.payload);
      const r = c.ok ? undefined : decodeReport(m.payload);
      const e = c.ok || r?.ok ? undefined : decodeError(m.payload);
      if (c.ok) {
        u.values[entity] = { value: c.value.value, from: "confirmation", at: Date.now() };
        delete u.errors[entity];
      } else if (r?.ok) u.values[entity] = { value: r.value.value, from: "report", at: Date.now() };
      else if (e?.ok) u.errors[entity] = { reason: e.value.reason, at: Date.now() };
      else return;
    }
    this.emit(deviceId, u);
  }

  private onSetupResult(payload: string): void {
    const r = decodeSetupResult(payload);
    if (!r.ok) return;
    const u = this.units.get(r.value.deviceId);
    if (!u || u.onboarding.state !== "onboarding") return;
    if (r.value.result === "success") {
      this.note(u, "controller", "setup_result success", "ok");
      this.end(u, "success");
    } else {
      this.note(u, "controller", `setup_result ${r.value.result}`, "error");
      this.end(u, "refused", r.value.result);
    }
  }

  // ---- bookkeeping ----------------------------------------------------------------------

  private entities(u: UnitView): EntityDescriptor[] {
    return u.about?.entities ?? u.entityNames.map((name) => ({ name, unit: "", type: "s" as const }));
  }

  private need(deviceId: string): UnitView {
    const u = this.units.get(deviceId);
    if (!u) throw new UiError(404, `No unit ${deviceId} on this page.`);
    return u;
  }

  private create(deviceId: string, deviceType: string, state: OnboardingState): UnitView {
    const u: UnitView = { deviceId, deviceType, onboarding: { state, since: Date.now() }, timeline: [], entityNames: [], values: {}, errors: {} };
    this.units.set(deviceId, u);
    return u;
  }

  /** A new onboarding attempt: a fresh view and the activation window's timer. */
  private begin(deviceId: string, deviceType: string, first: string): UnitView {
    const u = this.create(deviceId, deviceType, "onboarding");
    this.clearExpiry(deviceId);
    this.expiry.set(deviceId, setTimeout(() => {
      this.expiry.delete(deviceId);
      if (this.units.get(deviceId) !== u || u.onboarding.state !== "onboarding") return;
      this.note(u, "controller", `no setup result within the ${Math.round(this.ttlMs / 1000)} s activation window`, "error");
      this.end(u, "activation_expired");
    }, this.ttlMs));
    this.note(u, "controller", first);
    return u;
  }

  private end(u: UnitView, state: OnboardingState, reason?: string): void {
    u.onboarding = { state, reason, since: Date.now() };
    this.clearExpiry(u.deviceId);
    if (state === "removed") { u.status = undefined; u.values = {}; u.errors = {}; }
    this.emit(u.deviceId, u);
  }

  private clearExpiry(deviceId: string): void {
    const t = this.expiry.get(deviceId);
    if (t) clearTimeout(t);
    this.expiry.delete(deviceId);
  }

  private note(u: UnitView, source: string, text: string, tone: Tone = "info"): void {
    u.timeline.push({ at: Date.now(), source, text, tone });
    if (u.timeline.length > MAX_TIMELINE) u.timeline.splice(1, u.timeline.length - MAX_TIMELINE);
    this.emit(u.deviceId, u);
  }

  private emit(deviceId: string, u: UnitView | undefined): void {
    for (const l of this.listeners) l(deviceId, u);
  }
}
