// The local smart-home gateway (SH-GW, PROTOCOL §4): the home broker advertised over mDNS as
// `_mqtt._tcp.local` → `MQTT2GO.local`, with init sessions for pending local activations
// (`GET_CREDENTIALS`, and `GET_WIFI_CREDENTIALS` for a device that came in over the guest network).

import {
  decodeActivationRequest, decodeWifiRequest, encodeMqttCredentials, encodeWifiCredentials,
} from "../src/core/messages";
import { activationIn, activationOut, wifiIn, wifiOut } from "../src/core/topics";
import { authenticateInit, type ControllerAccount, type DeviceAccount, type FactoryRegistry, type StackGrant } from "./accounts";
import type { ServerTls } from "./broker";
import type { Ca } from "./certs";
import { ACTIVATION_TTL_MS } from "./discovery";
import { startHomeBroker, unixSeconds, type HomeBroker } from "./home-service";
import type { StackLog } from "./log";
import { startMdnsResponder, type MdnsResponder } from "./mdns";
import type { SimRadio } from "./radio";

export interface GatewayOptions {
  host: string;
  port?: number;
  tls: ServerTls;
  ca: Ca;
  registry: FactoryRegistry;
  controllers: readonly ControllerAccount[];
  radio: SimRadio;
  ttlMs?: number;
  /** mDNS port on loopback (5353 unless tests run their own). */
  mdnsPort?: number;
  log: StackLog;
}

export interface Gateway extends HomeBroker {
  mdns: MdnsResponder;
  /** Activation codes waiting for their device. */
  pendingCount(): number;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const ttlMs = o.ttlMs ?? ACTIVATION_TTL_MS;
  const log = (event: string, fields?: Record<string, string | number | boolean | undefined>): void => o.log("gateway", event, fields);
  /** Pending local activations by code; each closes itself (and the guest network) when its window ends. */
  const pending = new Map<string, { account: DeviceAccount; timer: NodeJS.Timeout }>();

  const end = (ac: string, why: string): void => {
    const p = pending.get(ac);
    if (!p) return;
    clearTimeout(p.timer);
    pending.delete(ac);
    o.radio.disableGuest(ac);
    log("activation_closed", { device: p.account.deviceId, reason: why });
  };
  const live = (ac: string): DeviceAccount | undefined => pending.get(ac)?.account;

  const home = await startHomeBroker({
    name: "gateway",
    host: o.host,
    port: o.port ?? 0,
    tls: o.tls,
    ca: o.ca,
    registry: o.registry,
    controllers: o.controllers,
    log: o.log,
    provision: (a) => {
      for (const [ac, p] of pending) if (p.account.deviceId === a.deviceId) end(ac, "replaced");
      pending.set(a.activationCode, { account: a, timer: setTimeout(() => end(a.activationCode, "expired"), ttlMs) });
      o.radio.enableGuest(a.activationCode);
      log("activation_pending", { device: a.deviceId, guest_ssid: o.radio.guestSsid, ttl_s: Math.round(ttlMs / 1000) });
      return Promise.resolve();
    },
    onPrefixDelivered: (a) => end(a.activationCode, "onboarded"),
    authenticateOther: (c) => authenticateInit(c, (ac, deviceId) => {
      const account = live(ac);
      if (!account || account.deviceId !== deviceId) return { refused: "no pending local activation for this code and device" };
      return { subscribe: [activationIn(ac), wifiIn(ac)], publish: [activationOut(ac), wifiOut(ac)] };
    }),
    onOtherPublish: (topic, payload, grant: StackGrant) => {
      if (grant.role !== "init") return;
      const ac = grant.activationCode;
      const account = live(ac);
      if (!account) return;
      const reply = (to: string, text: string, event: string): void => {
        home.broker.publish(to, text).catch((err: Error) => log("publish_failed", { reason: err.message }));
        log(event, { device: grant.deviceId });
      };
      if (topic === activationOut(ac)) {
        const r = decodeActivationRequest(payload);
        if (r.ok && r.value === "GET_CREDENTIALS") {
          reply(activationIn(ac), encodeMqttCredentials(unixSeconds(), { cert: account.certPem, user: account.user, password: account.password }), "credentials_delivered");
        } else log("request_ignored", { device: grant.deviceId, reason: r.ok ? r.value : r.error.detail });
      } else if (topic === wifiOut(ac)) {
        if (decodeWifiRequest(payload).ok) {
          reply(wifiIn(ac), encodeWifiCredentials(unixSeconds(), { ssid: o.radio.homeSsid, password: o.radio.homePassword }), "wifi_credentials_delivered");
        } else log("request_ignored", { device: grant.deviceId, reason: "malformed wifi request" });
      }
    },
  });

  const mdns = await startMdnsResponder({ servicePort: home.broker.port, port: o.mdnsPort, log: o.log });
  return {
    ...home,
    mdns,
    pendingCount: () => pending.size,
    close: async () => {
      await mdns.close();
      await home.close();
      for (const ac of [...pending.keys()]) end(ac, "gateway closed");
    },
  };
}
