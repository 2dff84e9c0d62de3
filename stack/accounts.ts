// Who may connect to the stack's brokers: factory identities the stack knows (the
// manufacturer's registry), per-device operational accounts, controller accounts, and the
// authenticators and ACL grants built from them.

import { X509Certificate, randomBytes, timingSafeEqual } from "node:crypto";
import { isActivationCode } from "../src/core/ids";
import { homeIn, homeOut } from "../src/core/topics";
import type { ConnectInfo, Grant } from "./broker";
import { issueDeviceCert, type Ca, type FactoryIdentity } from "./certs";

/** The manufacturer's record of every unit it made (device id → factory identity). */
export class FactoryRegistry {
  private readonly byId = new Map<string, FactoryIdentity>();

  constructor(identities: Iterable<FactoryIdentity> = []) {
    for (const i of identities) this.add(i);
  }

  add(identity: FactoryIdentity): void {
    this.byId.set(identity.deviceId, identity);
  }

  get(deviceId: string): FactoryIdentity | undefined {
    return this.byId.get(deviceId);
  }

  list(): FactoryIdentity[] {
    return [...this.byId.values()];
  }
}

export interface DeviceAccount {
  deviceId: string;
  deviceType: string;
  activationCode: string;
  user: string;
  password: string;
  /** The operational certificate issued for the factory key (PROTOCOL §5). */
  certPem: string;
  certFingerprint: string;
  home: string;
  gateway: string;
  /** Set once the device has been given its home prefix. */
  prefixDelivered: boolean;
  /** Set at the device's first operational login. */
  loggedIn: boolean;
  /** Set once the controller has been told setup_result success. */
  setupReported: boolean;
  name?: string;
  groups?: string[];
}

export interface ControllerAccount { user: string; password: string; home: string; gateway: string }

export type StackGrant = Grant & (
  | { role: "init"; deviceId: string; activationCode: string; certFingerprint: string | undefined }
  | { role: "device"; account: DeviceAccount }
  | { role: "controller"; account: ControllerAccount }
);

export const randomSecret = (bytes = 18): string => randomBytes(bytes).toString("base64url");

export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Accounts {
  private readonly byDevice = new Map<string, DeviceAccount>();

  constructor(private readonly ca: Ca) {}

  /** A fresh account for a device (replacing any older one), with a certificate for its factory key. */
  async create(identity: FactoryIdentity, home: string, gateway: string): Promise<DeviceAccount> {
    const certPem = await issueDeviceCert(this.ca, identity.certPem, identity.deviceId);
    const account: DeviceAccount = {
      deviceId: identity.deviceId,
      deviceType: identity.deviceType,
      activationCode: identity.activationCode,
      user: `u-${identity.deviceId}`,
      password: randomSecret(),
      certPem,
      certFingerprint: new X509Certificate(certPem).fingerprint256,
      home,
      gateway,
      prefixDelivered: false,
      loggedIn: false,
      setupReported: false,
    };
    this.byDevice.set(identity.deviceId, account);
    return account;
  }

  get(deviceId: string): DeviceAccount | undefined {
    return this.byDevice.get(deviceId);
  }

  byUser(user: string): DeviceAccount | undefined {
    for (const a of this.byDevice.values()) if (a.user === user) return a;
    return undefined;
  }

  remove(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }
}

export function deviceGrant(account: DeviceAccount): StackGrant {
  const own = `${account.home}/${account.gateway}/${account.deviceId}/#`;
  return {
    role: "device",
    account,
    who: `device ${account.deviceId}`,
    publish: [homeOut(account.deviceId), own],
    subscribe: [homeIn(account.deviceId), own],
  };
}

export function controllerGrant(account: ControllerAccount): StackGrant {
  const all = `${account.home}/${account.gateway}/#`;
  return { role: "controller", account, who: `controller ${account.home}/${account.gateway}`, publish: [all], subscribe: [all] };
}

/**
 * An operational login: a controller (user/password), or a device account (user/password,
 * client id = device id, the issued certificate). `undefined` when `username` names no account,
 * so the caller can try another kind of login.
 */
export function authenticateAccount(c: ConnectInfo, accounts: Accounts, controllers: readonly ControllerAccount[]): StackGrant | { refused: string } | undefined {
  if (c.username === undefined) return undefined;
  const controller = controllers.find((a) => a.user === c.username);
  if (controller) return sameSecret(c.password, controller.password) ? controllerGrant(controller) : { refused: "bad controller password" };
  const account = accounts.byUser(c.username);
  if (!account) return undefined;
  if (!sameSecret(c.password, account.password)) return { refused: "bad password" };
  if (c.clientId !== account.deviceId) return { refused: "client id is not the account's device id" };
  if (!c.certValid || c.certFingerprint !== account.certFingerprint) return { refused: "client certificate is not the one issued to this device" };
  return deviceGrant(account);
}

/**
 * An init session (PROTOCOL §4, §6): factory certificate from the CA whose CN is the client id,
 * username = an activation code, no password. `topics(ac, deviceId)` says which `<AC>/...`
 * exchanges this broker offers to that code, or why it refuses it.
 */
export function authenticateInit(
  c: ConnectInfo,
  topics: (ac: string, deviceId: string) => { subscribe: string[]; publish: string[] } | { refused: string },
): StackGrant | { refused: string } {
  if (!c.certValid) return { refused: "no factory certificate from the CA" };
  if (c.certCn !== c.clientId) return { refused: "client id is not the certificate's device id" };
  if (!isActivationCode(c.username)) return { refused: "username is not an activation code" };
  if (c.password !== undefined && c.password !== "") return { refused: "init sessions carry no password" };
  const t = topics(c.username, c.clientId);
  if ("refused" in t) return t;
  return {
    role: "init", deviceId: c.clientId, activationCode: c.username, certFingerprint: c.certFingerprint, secret: c.username, who: `init ${c.clientId}`, ...t,
  };
}
