// The home service shared by the cloud broker and the local gateway (PROTOCOL §7, spec digest
// §1.1 steps 1, 12–14): the controller's add request creates a device account and provisions
// it; the device's home_prefix request is answered with the controller's (home, gateway);
// the controller is told setup_result success once the device is online with that prefix (its
// retained status online, PROTOCOL §6), never earlier; the controller's rename is relayed to the device.

import {
  decodeAddDeviceOut, decodeHomePrefixRequest, decodeRemoveConfirmation, decodeStatus, encodeHomePrefix, encodeRename, encodeSetupResult,
  type AddDeviceRequest,
} from "../src/core/messages";
import { controllerAddIn, controllerAddOut, entityOut, homeIn, homeOut, statusOut } from "../src/core/topics";
import {
  Accounts, authenticateAccount, type ControllerAccount, type DeviceAccount, type FactoryRegistry, type StackGrant,
} from "./accounts";
import { startBroker, type ConnectInfo, type MqttBroker, type ServerTls } from "./broker";
import type { Ca } from "./certs";
import { maskTopic, type StackLog } from "./log";
import { startMosquitto, type Mosquitto, type MosquittoUser } from "./mosquitto";

/** The MQTT broker a stack broker runs on: embedded aedes (default) or the mosquitto binary. */
export type BrokerBackend = "aedes" | "mosquitto";

export const SETUP_SUCCESS = "success";
export const SETUP_UNKNOWN_DEVICE = "unknown_device";
export const SETUP_ACTIVATION_FAILED = "activation_failed";

export const unixSeconds = (): number => Math.floor(Date.now() / 1000);

export interface HomeBrokerOptions {
  name: string;
  host: string;
  port: number;
  tls: ServerTls;
  ca: Ca;
  registry: FactoryRegistry;
  controllers: readonly ControllerAccount[];
  /** Make a new account reachable by its device (cloud: the discovery server; gateway: a local pending activation). Rejects on failure. */
  provision(account: DeviceAccount): Promise<void>;
  /** The device got its home prefix: its onboarding is over. */
  onPrefixDelivered?(account: DeviceAccount): void;
  /** Default aedes; mosquitto serves only controllers and device accounts (no `authenticateOther`). */
  backend?: BrokerBackend;
  /** The device's first operational login on this broker. */
  onFirstLogin?(account: DeviceAccount): void;
  /** A login that is neither a controller nor a device account (the gateway's init sessions). */
  authenticateOther?(c: ConnectInfo): StackGrant | { refused: string };
  /** A publish of such a session (it already passed the ACL). */
  onOtherPublish?(topic: string, payload: string, grant: StackGrant): void;
  log: StackLog;
}

export interface HomeBroker {
  broker: MqttBroker;
  /** Where controllers log in (mosquitto: its service listener; aedes: the broker's port). */
  controllerPort: number;
  accounts: Accounts;
  close(): Promise<void>;
}

function mosquittoDevice(a: DeviceAccount): MosquittoUser {
  return {
    password: a.password,
    rules: [
      { access: "write", topic: homeOut(a.deviceId) }, { access: "read", topic: homeIn(a.deviceId) },
      { access: "readwrite", topic: `${a.home}/${a.gateway}/${a.deviceId}/#` },
    ],
  };
}

export async function startHomeBroker(o: HomeBrokerOptions): Promise<HomeBroker> {
  const accounts = new Accounts(o.ca);
  const log = (event: string, fields?: Record<string, string | number | boolean | undefined>): void => o.log(o.name, event, fields);
  const publish = (topic: string, payload: string): void => {
    broker.publish(topic, payload).catch((err: Error) => log("publish_failed", { topic: maskTopic(topic), reason: err.message }));
  };

  const adding = new Map<string, Promise<void>>();

  async function addDevice(c: ControllerAccount, req: AddDeviceRequest): Promise<void> {
    const identity = o.registry.get(req.deviceId);
    const answer = (result: string): void => publish(controllerAddIn(c.home, c.gateway), encodeSetupResult(unixSeconds(), req.deviceId, result));
    if (!identity || identity.activationCode !== req.activationCode || identity.deviceType !== req.deviceType) {
      log("add_device_refused", { device: req.deviceId, reason: "no such unit in the factory registry" });
      answer(SETUP_UNKNOWN_DEVICE);
      return;
    }
    // A provisioning that failed may still have reached the discovery server (its reply lost), and
    // the device may already hold those credentials: the unfinished account is kept, and the next add
    // request for the same unit and home provisions the same account again instead of a new one.
    const prior = accounts.get(req.deviceId);
    const unfinished = prior !== undefined && !prior.loggedIn && prior.home === c.home && prior.gateway === c.gateway && prior.activationCode === identity.activationCode;
    let account: DeviceAccount;
    if (unfinished) {
      account = prior;
      log("account_reused", { device: account.deviceId, user: account.user, reason: "its activation is unfinished" });
    } else {
      broker.disconnect(req.deviceId);
      account = await accounts.create(identity, c.home, c.gateway);
      log("account_created", { device: account.deviceId, user: account.user, home: account.home, gateway: account.gateway });
    }
    try {
      await mosquitto?.setUsers(new Map([[account.user, mosquittoDevice(account)]]));
      // The device may have logged in meanwhile (a reload can take seconds): its entry is used up.
      if (account.loggedIn) { log("provision_skipped", { device: account.deviceId, reason: "the device is already in" }); return; }
      await o.provision(account);
    } catch (err) {
      log("provision_failed", { device: account.deviceId, reason: (err as Error).message, account: "kept" });
      answer(SETUP_ACTIVATION_FAILED);
    }
  }

  function fromController(grant: StackGrant & { role: "controller" }, topic: string, payload: string): void {
    const c = grant.account;
    if (topic !== controllerAddOut(c.home, c.gateway)) return;
    const m = decodeAddDeviceOut(payload);
    if (!m.ok) { log("add_device_malformed", { reason: m.error.detail }); return; }
    if (m.value.kind === "add") {
      log("add_device", { device: m.value.deviceId, type: m.value.deviceType });
      // One add request per device at a time: two at once would each make an account, and the
      // discovery server could keep one while the broker keeps the other.
      const req = m.value;
      const run = (adding.get(req.deviceId) ?? Promise.resolve()).then(() => addDevice(c, req)).catch((err: Error) => log("add_device_failed", { device: req.deviceId, reason: err.message }));
      adding.set(req.deviceId, run);
      void run.finally(() => { if (adding.get(req.deviceId) === run) adding.delete(req.deviceId); });
      return;
    }
    const account = accounts.get(m.value.deviceId);
    if (!account || account.home !== c.home || account.gateway !== c.gateway) {
      log("rename_ignored", { device: m.value.deviceId, reason: "not a device of this home" });
      return;
    }
    account.name = m.value.name;
    account.groups = m.value.groups;
    relayRename(account);
  }

  function relayRename(account: DeviceAccount): void {
    if (account.name === undefined) return;
    publish(homeIn(account.deviceId), encodeRename(unixSeconds(), account.deviceId, account.name, account.groups ?? []));
    log("rename_relayed", { device: account.deviceId, name: account.name, groups: (account.groups ?? []).join(",") });
  }

  /** The device's first operational login (aedes: at authentication; mosquitto: its first publish as that account). */
  function firstLogin(account: DeviceAccount): void {
    if (account.loggedIn) return;
    account.loggedIn = true;
    o.onFirstLogin?.(account);
  }

  function fromDevice(account: DeviceAccount, topic: string, payload: string): void {
    firstLogin(account);
    const prefix = { home: account.home, gateway: account.gateway, device: account.deviceId };
    if (topic === homeOut(account.deviceId)) {
      const req = decodeHomePrefixRequest(payload);
      if (!req.ok) { log("home_prefix_malformed", { device: account.deviceId, reason: req.error.detail }); return; }
      publish(homeIn(account.deviceId), encodeHomePrefix(unixSeconds(), account.home, account.gateway));
      log("home_prefix", { device: account.deviceId, home: account.home, gateway: account.gateway, entities: req.value.map((e) => e.name).join(",") });
      if (!account.prefixDelivered) {
        account.prefixDelivered = true;
        o.onPrefixDelivered?.(account);
      }
    } else if (topic === statusOut(prefix)) {
      const st = decodeStatus(payload);
      if (!st.ok || st.value.status !== "online" || !account.prefixDelivered || account.setupReported) return;
      account.setupReported = true;
      publish(controllerAddIn(account.home, account.gateway), encodeSetupResult(unixSeconds(), account.deviceId, SETUP_SUCCESS));
      log("setup_result", { device: account.deviceId, result: SETUP_SUCCESS });
    } else if (topic === entityOut(prefix, "remove") && decodeRemoveConfirmation(payload).ok) {
      // The device erased its credentials; so do we (a re-onboarding starts with a new add request).
      accounts.remove(account.deviceId);
      void mosquitto?.removeUsers([account.user]).catch((err: Error) => log("account_remove_failed", { reason: err.message }));
      log("device_removed", { device: account.deviceId });
    }
  }

  let mosquitto: Mosquitto | undefined;
  let broker: MqttBroker;
  if (o.backend === "mosquitto") {
    if (o.authenticateOther) throw new Error(`${o.name}: the mosquitto backend has no init sessions (use aedes for the gateway)`);
    mosquitto = await startMosquitto({
      name: o.name, host: o.host, port: o.port, tls: o.tls, deviceLogin: "password", log: o.log,
      serviceTopics: [
        "+/home/out",
        ...o.controllers.flatMap((c) => [controllerAddOut(c.home, c.gateway), `${c.home}/${c.gateway}/+/remove/out`, `${c.home}/${c.gateway}/+/status/out`]),
      ],
      onMessage: (topic, payload) => fromMosquitto(topic, payload),
    });
    await mosquitto.setServiceUsers(new Map(o.controllers.map((c): [string, MosquittoUser] => [c.user, { password: c.password, rules: [{ access: "readwrite", topic: `${c.home}/${c.gateway}/#` }] }])));
    broker = mosquitto;
  } else {
    broker = await startAedes();
  }

  /**
   * Who published, from the topic alone: mosquitto's ACLs let only device D publish `D/home/out`
   * and `<H>/<G>/D/...`, and only the controller of (H, G) publish `<H>/<G>/add_device/out`.
   */
  function fromMosquitto(topic: string, payload: string): void {
    const l = topic.split("/");
    if (l.length === 3 && l[1] === "home" && l[2] === "out") {
      const account = accounts.get(l[0]);
      if (account) fromDevice(account, topic, payload);
      return;
    }
    if (l.length === 4 && l[2] === "add_device" && l[3] === "out") {
      const c = o.controllers.find((a) => a.home === l[0] && a.gateway === l[1]);
      if (c) fromController({ role: "controller", account: c, who: `controller ${c.home}/${c.gateway}`, publish: [], subscribe: [] }, topic, payload);
      return;
    }
    if (l.length !== 5 || l[4] !== "out") return;
    const account = accounts.get(l[2]);
    if (!account || account.home !== l[0] || account.gateway !== l[1]) return;
    // The device publishes its status after it subscribed to its home topic: the point where
    // aedes's subscribe hook re-sends the latest rename.
    if (l[3] === "status" && account.prefixDelivered && payload.includes('"online"')) relayRename(account);
    fromDevice(account, topic, payload);
  }

  function startAedes(): Promise<MqttBroker> {
    return startBroker<StackGrant>({
      name: o.name,
      host: o.host,
      port: o.port,
      tls: o.tls,
      requireClientCert: false,
      log: o.log,
      authenticate: (c) => {
        const verdict = authenticateAccount(c, accounts, o.controllers) ?? o.authenticateOther?.(c) ?? { refused: "unknown user" };
        if ("role" in verdict && verdict.role === "device") firstLogin(verdict.account);
        return verdict;
      },
      onPublish: (topic, payload, grant) => {
        if (grant.role === "controller") fromController(grant, topic, payload);
        else if (grant.role === "device") fromDevice(grant.account, topic, payload);
        else o.onOtherPublish?.(topic, payload, grant);
      },
      // QoS 0 and clean sessions: a rename sent while the device was reconnecting (it does so right
      // after its home prefix) would be lost, so the latest one is sent again whenever it resubscribes.
      onSubscribe: (filter, grant) => {
        if (grant.role === "device" && filter === homeIn(grant.account.deviceId) && grant.account.prefixDelivered) relayRename(grant.account);
      },
    });
  }
  return { broker, controllerPort: mosquitto ? mosquitto.servicePort : broker.port, accounts, close: () => broker.close() };
}
