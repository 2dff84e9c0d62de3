// The cloud onboarding through the development stack, with a scripted device (PROTOCOL §6–§8):
// controller add → cloud → POST /activate_device → GET_BROKER_DATA → operational connect with
// the issued certificate → home_prefix → setup_result → rename relayed → command round trip.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { MqttClient } from "mqtt";
import {
  decodeBrokerData, decodeCommand, decodeHomeIn, encodeConfirmation, encodeGetBrokerData, encodeHomePrefixRequest,
  encodeRemoveConfirmation, encodeStatus,
} from "../../src/core/messages";
import { activationIn, activationOut, entityIn, entityOut, homeIn, homeOut, statusOut } from "../../src/core/topics";
import { startStack, type Stack } from "../../stack/index";
import type { FactoryIdentity } from "../../stack/certs";
import { connectDevice, connectInit, end, nextMessage, recordingLog, request, waitUntil } from "./stack-helpers";

const ENTITIES = [{ name: "switch", unit: "", type: "s" as const }];

describe("stack: cloud onboarding", () => {
  let stack: Stack;
  const rec = recordingLog();
  before(async () => { stack = await startStack({ log: rec.log }); });
  after(async () => { await stack.close(); });

  /** GET_BROKER_DATA in an init session on the discovery broker. */
  async function getBrokerData(identity: FactoryIdentity): Promise<string> {
    const init = await connectInit(stack.discovery.mqttPort, stack.caPem, identity);
    try {
      return await request(init, activationIn(identity.activationCode), activationOut(identity.activationCode), encodeGetBrokerData(0));
    } finally {
      await end(init);
    }
  }

  test("the committed development identity is in the registry", () => {
    const dev = stack.registry.get("dev-socket-0001");
    assert.ok(dev, "certs/dev identity loaded");
    assert.equal(dev.deviceType, "socket");
    assert.equal(dev.qr, `MQTT2GO:dev-socket-0001:${dev.activationCode}:socket`);
  });

  test("happy path: add → broker_data → operational connect → home_prefix → setup_result → rename → command", async () => {
    const identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    const p = { home: controller.home, gateway: controller.gateway, device: identity.deviceId };

    const result = controller.setupResult(identity.deviceId);
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId));
    const data = decodeBrokerData(await getBrokerData(identity));
    assert.ok(data.ok && data.value.kind === "credentials", `broker_data delivered: ${JSON.stringify(data)}`);
    const creds = data.value;
    assert.deepEqual(creds.broker, { host: "127.0.0.1", port: stack.cloud.port });

    // §5: issued for the factory key pair, naming the device id, by the CA.
    const issued = new X509Certificate(creds.cert), factory = new X509Certificate(identity.certPem);
    assert.ok(issued.publicKey.equals(factory.publicKey), "same public key as the factory certificate");
    assert.match(issued.subject, new RegExp(`CN=${identity.deviceId}`));
    assert.ok(issued.verify(new X509Certificate(stack.caPem).publicKey));
    assert.notEqual(issued.fingerprint256, factory.fingerprint256);

    const operational = (): Promise<MqttClient> => connectDevice({
      port: creds.broker.port, caPem: stack.caPem, identity, certPem: creds.cert, username: creds.user, password: creds.password,
      will: { topic: statusOut(p), payload: Buffer.from(encodeStatus(0, "offline")), retain: true, qos: 0 },
    });
    let device = await operational();
    try {
      let settled: string | undefined;
      void result.then((r) => { settled = r; });
      const prefixText = await request(device, homeIn(identity.deviceId), homeOut(identity.deviceId), encodeHomePrefixRequest(0, ENTITIES));
      assert.deepEqual(decodeHomeIn(prefixText), { ok: true, value: { kind: "home_prefix", home: controller.home, gateway: controller.gateway } });
      // §6: success only once the device is online with its prefix (its retained status), not when the prefix is sent.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, undefined, "no setup_result before the device is online");
      await device.publishAsync(statusOut(p), encodeStatus(0, "online"), { retain: true });
      assert.equal(await result, "success");

      const renamed = nextMessage(device, homeIn(identity.deviceId));
      await controller.rename(identity.deviceId, "Kitchen socket", ["kitchen", "sockets"]);
      assert.deepEqual(decodeHomeIn(await renamed), {
        ok: true, value: { kind: "rename", deviceId: identity.deviceId, name: "Kitchen socket", groups: ["kitchen", "sockets"] },
      });
      // A rename can cross the device's reconnect (QoS 0, clean session): it is sent again on resubscribe.
      await end(device);
      device = await operational();
      const again = nextMessage(device, homeIn(identity.deviceId));
      await device.subscribeAsync(homeIn(identity.deviceId));
      const resent = decodeHomeIn(await again);
      assert.ok(resent.ok && resent.value.kind === "rename" && resent.value.name === "Kitchen socket", JSON.stringify(resent));

      // The device answers commands on its own topics; the broker carries them both ways.
      await device.subscribeAsync(entityIn(p, "+"));
      device.on("message", (topic, payload) => {
        if (topic !== entityIn(p, "switch")) return;
        const cmd = decodeCommand(payload.toString());
        if (cmd.ok) void device.publishAsync(entityOut(p, "switch"), encodeConfirmation(0, String(cmd.value.value)));
      });
      assert.deepEqual(await controller.command(identity.deviceId, "switch", "set", "on"), { kind: "confirmation", value: "on" });

      await device.publishAsync(statusOut(p), encodeStatus(0, "online"), { retain: true });
      assert.equal(await controller.awaitStatus(identity.deviceId, "online"), "online");

      // Remove: the device confirms, the cloud drops its account.
      device.on("message", (topic) => {
        if (topic === entityIn(p, "remove")) void device.publishAsync(entityOut(p, "remove"), encodeRemoveConfirmation(0));
      });
      await controller.remove(identity.deviceId);
      await waitUntil(() => stack.cloud.accounts.get(identity.deviceId) === undefined);
    } finally {
      await end(device);
    }
  });

  test("broker_data is answered again to the same device until its first operational login, never to another device (§6)", async () => {
    const identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId));
    const first = decodeBrokerData(await getBrokerData(identity));
    assert.ok(first.ok && first.value.kind === "credentials");
    // The reply was lost (QoS 0, a power cut): the same device asks again and gets the same data.
    assert.deepEqual(decodeBrokerData(await getBrokerData(identity)), first);
    // Another unit presenting the code gets nothing: neither another device id ...
    const other = stack.createIdentity({ deviceType: "socket" });
    assert.deepEqual(decodeBrokerData(await getBrokerData({ ...other, activationCode: identity.activationCode })),
      { ok: true, value: { kind: "error", error: "unknown_activation_code" } });
    // ... nor a clone with the same device id and another factory key.
    const clone = stack.createIdentity({ deviceType: "socket", deviceId: identity.deviceId, activationCode: identity.activationCode });
    assert.deepEqual(decodeBrokerData(await getBrokerData(clone)), { ok: true, value: { kind: "error", error: "unknown_activation_code" } });
    assert.deepEqual(decodeBrokerData(await getBrokerData(identity)), first, "the device it was bound to still gets it");
    // The first operational login ends it.
    const creds = first.value;
    const device = await connectDevice({ port: creds.broker.port, caPem: stack.caPem, identity, certPem: creds.cert, username: creds.user, password: creds.password });
    try {
      await waitUntil(() => rec.seen("entry_completed", identity.deviceId));
      assert.deepEqual(decodeBrokerData(await getBrokerData(identity)), { ok: true, value: { kind: "error", error: "unknown_activation_code" } });
    } finally {
      await end(device);
    }
  });

  test("a code never registered gets unknown_activation_code", async () => {
    const identity = stack.createIdentity({ deviceType: "socket" });
    assert.deepEqual(decodeBrokerData(await getBrokerData(identity)), { ok: true, value: { kind: "error", error: "unknown_activation_code" } });
  });

  test("the controller adding a unit the factory never made gets setup_result unknown_device", async () => {
    const controller = await stack.controller();
    assert.equal(await controller.onboard({ activationCode: "NoSuchCode123", deviceId: "ghost-0001", deviceType: "socket" }), "unknown_device");
    const dev = stack.registry.get("dev-socket-0001")!;
    assert.equal(await controller.onboard({ activationCode: "WrongCode1234", deviceId: dev.deviceId, deviceType: "socket" }), "unknown_device");
  });
});

describe("stack: activation window", () => {
  let stack: Stack;
  const rec = recordingLog();
  before(async () => { stack = await startStack({ ttlMs: 300, log: rec.log }); });
  after(async () => { await stack.close(); });

  test("an entry older than the TTL gets activation_expired (and keeps getting it)", async () => {
    const identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId));
    await new Promise((r) => setTimeout(r, 400));
    for (let i = 0; i < 2; i++) {
      const init = await connectInit(stack.discovery.mqttPort, stack.caPem, identity);
      const reply = await request(init, activationIn(identity.activationCode), activationOut(identity.activationCode), encodeGetBrokerData(0));
      await end(init);
      assert.deepEqual(decodeBrokerData(reply), { ok: true, value: { kind: "error", error: "activation_expired" } });
    }
  });
});
