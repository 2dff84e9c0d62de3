// What the stack refuses: POST /activate_device without the token or with bad input, init
// sessions without a factory certificate or outside `<AC>/activation/*`, operational logins
// with a wrong password / client id / certificate, devices outside their ACL, and a broker
// certificate from a foreign CA (PROTOCOL §4–§8).

import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:tls";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { MqttClient } from "mqtt";
import { connectMqtt } from "../../stack/mqtt-connect";
import { decodeBrokerData, encodeGetBrokerData, encodeHomePrefixRequest } from "../../src/core/messages";
import { activationIn, activationOut, homeIn, homeOut } from "../../src/core/topics";
import { createCa, issueDeviceCert, issueServerCert, type FactoryIdentity } from "../../stack/certs";
import { startStack, type Stack } from "../../stack/index";
import type { DeviceAccount } from "../../stack/accounts";
import { closedWithin, connectDevice, connectInit, end, nextMessage, recordingLog, request, subscribeQos, waitUntil } from "./stack-helpers";

function post(url: string, caPem: string, body: string, token: string | undefined, method = "POST"): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {
      method, ca: caPem,
      headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => { text += c.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) as Record<string, unknown> : {} }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function refused(p: Promise<MqttClient>): Promise<string> {
  try {
    const c = await p;
    await end(c);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("connection was accepted");
}

describe("stack: what is refused", () => {
  let stack: Stack;
  const rec = recordingLog();
  let identity: FactoryIdentity;
  let account: DeviceAccount;
  before(async () => {
    stack = await startStack({ log: rec.log });
    identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId));
    account = stack.cloud.accounts.get(identity.deviceId)!;
    const other = stack.registry.get("dev-socket-0001")!;
    otherCert = await issueDeviceCert(stack.ca, other.certPem, other.deviceId);
  });
  after(async () => { await stack.close(); });

  let otherCert = "";
  function entry(overrides: Record<string, unknown> = {}): string {
    const other = stack.registry.get("dev-socket-0001")!;
    return JSON.stringify({
      activation_code: "AbCdEf123456", device_id: other.deviceId, broker_ip: "127.0.0.1:8883",
      device_certificate: otherCert, user: "u", password: "p", ...overrides,
    });
  }

  test("POST /activate_device needs the bearer token", async () => {
    assert.equal((await post(stack.discovery.activateUrl, stack.caPem, entry(), undefined)).status, 401);
    assert.equal((await post(stack.discovery.activateUrl, stack.caPem, entry(), "wrong-token")).status, 401);
    assert.equal((await post(stack.discovery.activateUrl, stack.caPem, entry(), stack.discovery.token)).status, 201);
  });

  test("POST /activate_device validates its input with a clear 400", async () => {
    const url = stack.discovery.activateUrl, token = stack.discovery.token;
    assert.deepEqual((await post(url, stack.caPem, "{not json", token)), { status: 400, json: { error: "malformed_json" } });
    const cases: [Record<string, unknown>, string][] = [
      [{ activation_code: "short" }, "activation_code"],
      [{ activation_code: "has/slash12" }, "activation_code"],
      [{ device_id: "a+b" }, "device_id"],
      [{ broker_ip: "no spaces allowed" }, "broker_ip"],
      [{ broker_ip: 8883 }, "broker_ip"],
      [{ device_certificate: "not a certificate" }, "device_certificate"],
      [{ device_certificate: identity.certPem }, "device_certificate"], // names another device
      [{ user: "" }, "user"],
      [{ password: 42 }, "password"],
    ];
    for (const [override, field] of cases) {
      const r = await post(url, stack.caPem, entry(override), token);
      assert.equal(r.status, 400, JSON.stringify(override));
      assert.equal(r.json.field, field, JSON.stringify(override));
      assert.equal(typeof r.json.detail, "string");
    }
    assert.equal((await post(url, stack.caPem, "[]", token)).status, 400);
    assert.equal((await post(url.replace("/activate_device", "/nope"), stack.caPem, entry(), token)).status, 404);
    assert.equal((await post(url, stack.caPem, "", token, "PUT")).status, 405);
  });

  test("the discovery broker refuses a client without a factory certificate (TLS)", async () => {
    await refused(connectDevice({ port: stack.discovery.mqttPort, caPem: stack.caPem, identity, certPem: null, username: identity.activationCode }));
    // A certificate from another CA is refused as well.
    const foreign = createCa("Foreign CA");
    await refused(connectDevice({
      port: stack.discovery.mqttPort, caPem: stack.caPem, username: identity.activationCode,
      identity, certPem: await issueDeviceCert(foreign, identity.certPem, identity.deviceId),
    }));
  });

  test("init sessions: client id must be the certificate's device id, username an activation code", async () => {
    const port = stack.discovery.mqttPort;
    assert.match(await refused(connectDevice({ port, caPem: stack.caPem, identity, username: identity.activationCode, clientId: "someone-else" })), /Not authorized/i);
    assert.match(await refused(connectDevice({ port, caPem: stack.caPem, identity, username: "short" })), /Not authorized/i);
    assert.match(await refused(connectDevice({ port, caPem: stack.caPem, identity })), /Not authorized/i);
  });

  test("init session ACL: only <its AC>/activation/in (subscribe) and /out (publish)", async () => {
    const other = stack.registry.get("dev-socket-0001")!;
    const init = await connectInit(stack.discovery.mqttPort, stack.caPem, identity);
    try {
      assert.equal(await subscribeQos(init, activationIn(identity.activationCode)), 0);
      assert.equal(await subscribeQos(init, activationIn(other.activationCode)), 128);
      assert.equal(await subscribeQos(init, `${identity.activationCode}/#`), 128);
      assert.equal(await subscribeQos(init, "#"), 128);
      assert.equal(await subscribeQos(init, activationOut(identity.activationCode)), 128);
      // Publishing anywhere else closes the session.
      await init.publishAsync(activationOut(other.activationCode), encodeGetBrokerData(0));
      assert.equal(await closedWithin(init), true);
    } finally {
      await end(init);
    }
    // A fresh session still works and gets the broker data.
    const again = await connectInit(stack.discovery.mqttPort, stack.caPem, identity);
    try {
      const data = decodeBrokerData(await request(again, activationIn(identity.activationCode), activationOut(identity.activationCode), encodeGetBrokerData(0)));
      assert.ok(data.ok && data.value.kind === "credentials");
    } finally {
      await end(again);
    }
  });

  test("cloud: wrong password, wrong client id, factory instead of issued certificate: not authorised", async () => {
    const base = { port: stack.cloud.port, caPem: stack.caPem, identity, certPem: account.certPem, username: account.user, password: account.password };
    assert.match(await refused(connectDevice({ ...base, password: "wrong" })), /Not authorized/i);
    assert.match(await refused(connectDevice({ ...base, clientId: "dev-socket-0001" })), /Not authorized/i);
    assert.match(await refused(connectDevice({ ...base, certPem: identity.certPem })), /Not authorized/i);
    assert.match(await refused(connectDevice({ ...base, certPem: null })), /Not authorized/i);
    assert.match(await refused(connectDevice({ ...base, username: "nobody" })), /Not authorized/i);
    // An activation code is not a login on the cloud.
    assert.match(await refused(connectDevice({ ...base, username: identity.activationCode, password: undefined, certPem: identity.certPem })), /Not authorized/i);
    const ok = await connectDevice(base);
    await end(ok);
  });

  test("cloud ACL: a device is confined to <DID>/home/# and <H>/<G>/<DID>/#", async () => {
    const c = await stack.controller("cloud");
    const device = await connectDevice({ port: stack.cloud.port, caPem: stack.caPem, identity, certPem: account.certPem, username: account.user, password: account.password });
    try {
      const own = `${c.home}/${c.gateway}/${identity.deviceId}`;
      assert.equal(await subscribeQos(device, homeIn(identity.deviceId)), 0);
      assert.equal(await subscribeQos(device, `${own}/+/in`), 0);
      assert.equal(await subscribeQos(device, "#"), 128);
      assert.equal(await subscribeQos(device, `${c.home}/${c.gateway}/+/switch/in`), 128);
      assert.equal(await subscribeQos(device, `${c.home}/${c.gateway}/add_device/out`), 128);
      assert.equal(await subscribeQos(device, "dev-socket-0001/home/in"), 128);
      // Its own prefix is fine; another device's topic closes the session and reaches nobody.
      const home = nextMessage(device, homeIn(identity.deviceId));
      await device.publishAsync(homeOut(identity.deviceId), encodeHomePrefixRequest(0, [{ name: "switch", unit: "", type: "s" }]));
      await home;
      const watched = c.collect(`${c.home}/${c.gateway}/dev-socket-0001/switch/out`, 300);
      await device.publishAsync(`${c.home}/${c.gateway}/dev-socket-0001/switch/out`, "{}");
      assert.equal(await closedWithin(device), true);
      assert.deepEqual(await watched, []);
    } finally {
      await end(device);
    }
  });

  test("a retained remove/in is never kept", async () => {
    const c = await stack.controller("cloud");
    const topic = `${c.home}/${c.gateway}/${identity.deviceId}/remove/in`;
    await c.publish(topic, JSON.stringify({ type: "control", timestamp: 0, value: "true" }), true);
    const device = await connectDevice({ port: stack.cloud.port, caPem: stack.caPem, identity, certPem: account.certPem, username: account.user, password: account.password });
    try {
      const got = nextMessage(device, topic, 300).then(() => "delivered", () => "nothing");
      await device.subscribeAsync(topic);
      assert.equal(await got, "nothing");
    } finally {
      await end(device);
    }
  });

  test("a broker certificate from a foreign CA is refused by a client that trusts only the dev CA", async () => {
    const foreign = createCa("Foreign CA");
    const server = issueServerCert(foreign);
    const tls = createServer({ cert: server.chainPem, key: server.keyPem }, (s) => s.end());
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    try {
      const port = (tls.address() as AddressInfo).port;
      const message = await refused(connectMqtt({ host: "127.0.0.1", port, protocol: "mqtts", ca: stack.caPem, rejectUnauthorized: true, connectTimeout: 3000 }));
      assert.match(message, /self-signed|unable to (get|verify)|certificate/i);
    } finally {
      await new Promise((r) => tls.close(r));
    }
  });

  test("logs never show a password or an activation code", () => {
    const text = rec.lines.join("\n");
    assert.equal(text.includes(account.password), false, "password in the log");
    assert.equal(text.includes(identity.activationCode), false, `activation code in the log: ${rec.lines.filter((l) => l.includes(identity.activationCode)).join("; ")}`);
    for (const event of ["connect_refused", "subscribe_refused", "publish_refused", "tls_refused"]) assert.ok(rec.seen(event), event);
  });
});
