// The stack on mosquitto (`--broker mosquitto`): what its files-based accounts and ACLs confine.
// Skipped where the mosquitto binary is not installed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { MqttClient } from "mqtt";
import { decodeBrokerData, encodeGetBrokerData, encodeHomePrefixRequest } from "../../src/core/messages";
import { activationIn, activationOut, entityIn, homeIn, homeOut } from "../../src/core/topics";
import type { FactoryIdentity } from "../../stack/certs";
import { startStack, type Stack } from "../../stack/index";
import { mosquittoAvailable } from "../../stack/mosquitto";
import { connectDevice, connectInit, end, nextMessage, recordingLog, request, waitUntil } from "./stack-helpers";

const skip = mosquittoAvailable() ? false : "mosquitto is not installed (apt-get install mosquitto)";

describe("stack on mosquitto: accounts and ACLs", { skip }, () => {
  let stack: Stack;
  const rec = recordingLog();
  before(async () => { stack = await startStack({ broker: "mosquitto", log: rec.log }); });
  after(async () => { await stack?.close(); });

  async function onboard(): Promise<{ identity: FactoryIdentity; user: string; password: string; cert: string }> {
    const identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId), 5000);
    const init = await connectInit(stack.discovery.mqttPort, stack.caPem, identity);
    const reply = decodeBrokerData(await request(init, activationIn(identity.activationCode), activationOut(identity.activationCode), encodeGetBrokerData(0)));
    await end(init);
    assert.ok(reply.ok && reply.value.kind === "credentials", JSON.stringify(reply));
    return { identity, user: reply.value.user, password: reply.value.password, cert: reply.value.cert };
  }

  const silent = (c: MqttClient, topic: string, ms = 400): Promise<boolean> =>
    nextMessage(c, topic, ms).then(() => false, () => true);

  test("an init session reads only its own code's reply topic; a client without a factory certificate is refused", async () => {
    const a = stack.createIdentity({ deviceType: "socket" }), b = stack.createIdentity({ deviceType: "socket" });
    const spy = await connectInit(stack.discovery.mqttPort, stack.caPem, a);
    await spy.subscribeAsync(activationIn(b.activationCode)).catch(() => {});
    const quiet = silent(spy, activationIn(b.activationCode));
    const owner = await connectInit(stack.discovery.mqttPort, stack.caPem, b);
    const reply = await request(owner, activationIn(b.activationCode), activationOut(b.activationCode), encodeGetBrokerData(0));
    assert.deepEqual(decodeBrokerData(reply), { ok: true, value: { kind: "error", error: "unknown_activation_code" } });
    assert.equal(await quiet, true, "another code's reply never reaches the spy");
    await end(spy, owner);
    await assert.rejects(connectDevice({ port: stack.discovery.mqttPort, caPem: stack.caPem, identity: a, certPem: null, username: a.activationCode }));
  });

  test("a device account logs in with its password and certificate only, and stays inside its own topics", async () => {
    const d = await onboard();
    const port = stack.cloud.port;
    await assert.rejects(connectDevice({ port, caPem: stack.caPem, identity: d.identity, certPem: d.cert, username: d.user, password: "wrong-password" }));
    await assert.rejects(connectDevice({ port, caPem: stack.caPem, identity: d.identity, certPem: null, username: d.user, password: d.password }));
    const dev = await connectDevice({ port, caPem: stack.caPem, identity: d.identity, certPem: d.cert, username: d.user, password: d.password });
    try {
      const prefix = await request(dev, homeIn(d.identity.deviceId), homeOut(d.identity.deviceId), encodeHomePrefixRequest(0, [{ name: "switch", unit: "", type: "s" }]));
      assert.match(prefix, /home_prefix/);
      const controller = await stack.controller();
      const other = entityIn({ home: controller.home, gateway: controller.gateway, device: "another-device" }, "switch");
      const from = controller.received.length;
      await dev.publishAsync(other, JSON.stringify({ type: "set", timestamp: 0, value: "on" })).catch(() => {});
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(controller.received.slice(from).filter((m) => m.topic === other).length, 0, "the broker dropped the publish outside the ACL");
      await dev.subscribeAsync(`${controller.home}/${controller.gateway}/#`).catch(() => {});
      const overheard = silent(dev, other);
      await controller.command("another-device", "switch", "set", "on", 300).catch(() => {});
      assert.equal(await overheard, true, "a device does not hear another device's commands");
    } finally {
      await end(dev);
    }
  });

  test("account changes made together share reloads, and each device logs in as soon as its activation is registered", async () => {
    const before = stack.cloudReloads()!;
    const units = await Promise.all(Array.from({ length: 12 }, () => onboard()));
    const after = stack.cloudReloads()!;
    // One reload serves every change made before it started; paced, a dozen adds take a few.
    assert.ok(after.count - before.count >= 1 && after.count - before.count <= 6, `reloads for 12 accounts: ${after.count - before.count}`);
    assert.ok(after.total_ms > before.total_ms && after.max_ms > 0, "each reload's time is counted");
    for (const d of units) {
      await end(await connectDevice({ port: stack.cloud.port, caPem: stack.caPem, identity: d.identity, certPem: d.cert, username: d.user, password: d.password }));
    }
  });

  test("a restart: mosquitto listens again while this process's event loop is blocked; the service client reconnects and answers devices", async () => {
    const d = await onboard();
    const port = stack.cloud.port;
    const pidBefore = stack.brokerPids(); // [cloud, discovery]
    const restarting = stack.restartCloud(0);
    // Blocked from here (a synchronous child): a restart that waited on this event loop to see the
    // old broker exit and spawn the new one could never open the port during the probe.
    const old = pidBefore[0];
    const probe = spawnSync(process.execPath, ["-e", `
      const net = require("node:net"), fs = require("node:fs");
      const gone = () => { try { return /^\\d+ \\([^)]*\\) [ZX]/.test(fs.readFileSync("/proc/${old}/stat", "utf8")); } catch { return true; } };
      const t0 = Date.now();
      const once = () => {
        if (Date.now() - t0 > 20000) process.exit(3);
        if (!gone()) return setTimeout(once, 10);
        const s = net.connect(${port}, "127.0.0.1");
        s.once("connect", () => { s.destroy(); process.exit(0); });
        s.once("error", () => setTimeout(once, 10));
      };
      once();`], { encoding: "utf8" });
    assert.equal(probe.status, 0, `the old broker exited and a new one listens on the port while this loop is blocked (probe exit ${probe.status})`);
    await restarting;
    assert.notDeepEqual(stack.brokerPids(), pidBefore, "a new broker process");
    assert.ok(rec.seen("restarted"), "logged");
    const dev = await connectDevice({ port, caPem: stack.caPem, identity: d.identity, certPem: d.cert, username: d.user, password: d.password });
    try {
      // The service client resubscribed on its own: the home prefix request is answered.
      const prefix = await request(dev, homeIn(d.identity.deviceId), homeOut(d.identity.deviceId), encodeHomePrefixRequest(0, [{ name: "switch", unit: "", type: "s" }]));
      assert.match(prefix, /home_prefix/);
    } finally {
      await end(dev);
    }
  });
});
