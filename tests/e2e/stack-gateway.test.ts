// The local gateway (PROTOCOL §3–§4): mDNS advertisement on loopback, init sessions for a
// pending local activation, GET_CREDENTIALS and GET_WIFI_CREDENTIALS, the home service, the
// guest network's life, and the simulated radio's WPS walk window.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  decodeHomeIn, decodeMqttCredentials, decodeWifiCredentials, encodeGetCredentials, encodeGetWifiCredentials, encodeHomePrefixRequest, encodeStatus,
} from "../../src/core/messages";
import { activationIn, activationOut, homeIn, homeOut, statusOut, wifiIn, wifiOut } from "../../src/core/topics";
import { startStack, type Stack } from "../../stack/index";
import { browseMqtt } from "../../stack/mdns-browse";
import { SimRadio } from "../../stack/radio";
import { closedWithin, connectDevice, connectInit, end, freeUdpPort, recordingLog, request, subscribeQos, waitUntil } from "./stack-helpers";

describe("stack: local gateway", () => {
  let stack: Stack;
  let mdnsPort: number;
  const rec = recordingLog();
  before(async () => {
    mdnsPort = await freeUdpPort();
    stack = await startStack({ local: true, mdnsPort, log: rec.log });
  });
  after(async () => { await stack.close(); });

  test("mDNS browse on loopback finds _mqtt._tcp → MQTT2GO.local with the gateway's port", async () => {
    const t0 = Date.now();
    const found = await browseMqtt({ port: mdnsPort, windowMs: 2000 });
    assert.deepEqual(found, { host: "MQTT2GO.local", address: "127.0.0.1", port: stack.gateway!.port });
    assert.ok(Date.now() - t0 < 1000, "answered well inside the window");
  });

  test("the gateway's certificate names only MQTT2GO.local: verified by that server name, refused by its IP address (issue 8 item 4)", async () => {
    const identity = stack.createIdentity({ deviceType: "socket" });
    const byIp = await connectDevice({ port: stack.gateway!.port, caPem: stack.caPem, identity, servername: "127.0.0.1" })
      .then(() => "accepted", (e: Error) => e.message);
    assert.match(byIp, /altnames|IP: 127\.0\.0\.1 is not in the cert|certificate/i);
    // By name the TLS handshake succeeds; the login is then refused (no pending activation), not the certificate.
    const byName = await connectDevice({ port: stack.gateway!.port, caPem: stack.caPem, identity, username: identity.activationCode })
      .then(() => "accepted", (e: Error) => e.message);
    assert.match(byName, /Not authorized/i);
  });

  test("GET_CREDENTIALS and GET_WIFI_CREDENTIALS, then the operational session and the home prefix", async () => {
    const gw = stack.gateway!;
    const identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    assert.equal(stack.radio.guestAvailable(), false);

    const result = controller.setupResult(identity.deviceId);
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId));
    // Guest network MQTT2GO with the activation code as passphrase while the activation is pending.
    assert.deepEqual(stack.radio.networks().map((n) => n.ssid), [stack.radio.homeSsid, "MQTT2GO"]);
    assert.deepEqual(stack.radio.join("MQTT2GO", identity.activationCode), { ok: true });
    assert.equal(stack.radio.join("MQTT2GO", "not-the-code").ok, false);

    const ac = identity.activationCode;
    const init = await connectInit(gw.port, stack.caPem, identity);
    let creds;
    try {
      creds = decodeMqttCredentials(await request(init, activationIn(ac), activationOut(ac), encodeGetCredentials(0)));
      assert.ok(creds.ok, JSON.stringify(creds));
      const wifi = decodeWifiCredentials(await request(init, wifiIn(ac), wifiOut(ac), encodeGetWifiCredentials(0)));
      assert.deepEqual(wifi, { ok: true, value: { ssid: stack.radio.homeSsid, password: stack.radio.homePassword } });
    } finally {
      await end(init);
    }
    const issued = new X509Certificate(creds.value.cert);
    assert.ok(issued.publicKey.equals(new X509Certificate(identity.certPem).publicKey));

    const device = await connectDevice({ port: gw.port, caPem: stack.caPem, identity, certPem: creds.value.cert, username: creds.value.user, password: creds.value.password });
    try {
      const prefix = decodeHomeIn(await request(device, homeIn(identity.deviceId), homeOut(identity.deviceId), encodeHomePrefixRequest(0, [{ name: "switch", unit: "", type: "s" }])));
      assert.deepEqual(prefix, { ok: true, value: { kind: "home_prefix", home: gw.home, gateway: gw.gateway } });
      // setup_result success only once the device is online with its prefix (PROTOCOL §6).
      await device.publishAsync(statusOut({ home: gw.home, gateway: gw.gateway, device: identity.deviceId }), encodeStatus(0, "online"), { retain: true });
      assert.equal(await result, "success");
    } finally {
      await end(device);
    }
    // Onboarded: the activation is closed and the guest network is gone.
    assert.equal(gw.pendingCount(), 0);
    assert.equal(stack.radio.guestAvailable(), false);
    assert.match(await connectInit(gw.port, stack.caPem, identity).then(() => "accepted", (e: Error) => e.message), /Not authorized/i);
  });

  test("init sessions: only a pending code for its own device, confined to <AC>/activation and <AC>/wifi", async () => {
    const gw = stack.gateway!;
    const dev = stack.registry.get("dev-socket-0001")!;
    assert.match(await connectInit(gw.port, stack.caPem, dev).then(() => "accepted", (e: Error) => e.message), /Not authorized/i);

    const identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId));
    // Another unit's factory certificate with this code: refused.
    assert.match(await connectDevice({ port: gw.port, caPem: stack.caPem, identity: dev, username: identity.activationCode }).then(() => "accepted", (e: Error) => e.message), /Not authorized/i);
    // No factory certificate: refused.
    assert.match(await connectDevice({ port: gw.port, caPem: stack.caPem, identity, certPem: null, username: identity.activationCode }).then(() => "accepted", (e: Error) => e.message), /Not authorized|closed/i);

    const init = await connectInit(gw.port, stack.caPem, identity);
    try {
      const ac = identity.activationCode;
      assert.equal(await subscribeQos(init, activationIn(ac)), 0);
      assert.equal(await subscribeQos(init, wifiIn(ac)), 0);
      assert.equal(await subscribeQos(init, `${ac}/#`), 128);
      assert.equal(await subscribeQos(init, homeIn(identity.deviceId)), 128);
      assert.equal(await subscribeQos(init, `${gw.home}/${gw.gateway}/#`), 128);
      await init.publishAsync(homeOut(identity.deviceId), encodeHomePrefixRequest(0, []));
      assert.equal(await closedWithin(init), true);
    } finally {
      await end(init);
    }
  });
});

describe("stack: local activation window and no gateway", () => {
  let stack: Stack;
  let mdnsPort: number;
  const rec = recordingLog();
  before(async () => {
    mdnsPort = await freeUdpPort();
    stack = await startStack({ local: true, mdnsPort, ttlMs: 200, log: rec.log });
  });
  after(async () => { await stack.close(); });

  test("an expired local activation refuses the init session and closes the guest network", async () => {
    const identity = stack.createIdentity({ deviceType: "socket" });
    const controller = await stack.controller();
    await controller.addDevice({ activationCode: identity.activationCode, deviceId: identity.deviceId, deviceType: identity.deviceType });
    await waitUntil(() => rec.seen("activation_pending", identity.deviceId));
    assert.equal(stack.radio.guestAvailable(), true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stack.radio.guestAvailable(), false);
    assert.equal(stack.gateway!.pendingCount(), 0);
    assert.match(await connectInit(stack.gateway!.port, stack.caPem, identity).then(() => "accepted", (e: Error) => e.message), /Not authorized/i);
  });

  test("without a gateway, browsing finds nothing within the window", async () => {
    const port = await freeUdpPort();
    const cloudOnly = await startStack({ mdnsPort: port });
    try {
      const t0 = Date.now();
      assert.equal(await browseMqtt({ port, windowMs: 300, queries: 3 }), null);
      assert.ok(Date.now() - t0 >= 300);
    } finally {
      await cloudOnly.close();
    }
  });
});

describe("simulated radio", () => {
  test("WPS succeeds only inside the walk window after the button press", async () => {
    let now = 0;
    const radio = new SimRadio({ now: () => now, walkMs: 120_000 });
    const run = (timeoutMs: number): Promise<unknown> => new Promise((resolve) => radio.wps(timeoutMs, resolve));
    assert.deepEqual(await run(10), { ok: false, reason: "timeout" });
    radio.pressWps();
    now = 119_999;
    assert.deepEqual(await run(10), { ok: true, ssid: radio.homeSsid, password: radio.homePassword });
    now = 120_000;
    assert.deepEqual(await run(10), { ok: false, reason: "timeout" });
    // A device already waiting joins when the button is pressed.
    const waiting = run(5000);
    radio.pressWps();
    assert.deepEqual(await waiting, { ok: true, ssid: radio.homeSsid, password: radio.homePassword });
    radio.failNextWpsRun();
    assert.deepEqual(await run(10), { ok: false, reason: "failed" });
    radio.close();
  });

  test("networks: home always, guest only while a code is pending", () => {
    const radio = new SimRadio({ homeSsid: "Home", homePassword: "secret-pass" });
    assert.deepEqual(radio.join("Home", "secret-pass"), { ok: true });
    assert.equal(radio.join("Home", "wrong").ok, false);
    assert.equal(radio.join("MQTT2GO", "AbCdEfGh12").ok, false);
    radio.enableGuest("AbCdEfGh12");
    assert.deepEqual(radio.networks(), [{ ssid: "Home", kind: "home" }, { ssid: "MQTT2GO", kind: "guest" }]);
    assert.deepEqual(radio.join("MQTT2GO", "AbCdEfGh12"), { ok: true });
    radio.disableGuest("AbCdEfGh12");
    assert.deepEqual(radio.networks(), [{ ssid: "Home", kind: "home" }]);
  });
});
