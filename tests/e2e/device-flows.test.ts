// The device core on Node against the development stack: real TLS brokers, real mDNS on loopback.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CredentialStore } from "../../src/core/record";
import { fileStore } from "../../hosts/node/ports/store";
import { brokerBackends } from "./stack-helpers";
import { inWorld, sleep, world, type World } from "./world";

const req = (w: World) => ({ activationCode: w.unit.identity.activationCode, deviceId: w.unit.identity.deviceId, deviceType: w.unit.identity.deviceType });
const stored = (w: World) => new CredentialStore(fileStore(w.stateDir)).load().record;

for (const broker of brokerBackends()) describe(`cloud flow (${broker})`, () => {
  let w: World;
  before(async () => { w = await world({ broker }); });
  after(async () => { await w.close(); });

  test("onboards through the discovery server, takes its rename, confirms commands, answers about", async () => {
    const did = w.unit.identity.deviceId;
    const c = await w.stack.controller("cloud");
    const setup = c.setupResult(did, 20_000);
    await c.addDevice(req(w));
    const run = w.boot();
    await run.waitPhase("operational", 20_000);
    assert.equal(await setup, "success");
    assert.deepEqual(run.phases.slice(0, 6), ["wifi_wps", "discover", "activate_cloud", "connect", "home_prefix", "connect"]);
    await c.awaitStatus(did, "online");
    const rec = stored(w);
    assert.equal(rec?.broker.kind, "cloud");
    assert.equal(rec?.broker.port, w.stack.cloud.port);
    assert.deepEqual(rec?.home, { home: w.stack.cloud.home, gateway: w.stack.cloud.gateway });

    await c.rename(did, "Kitchen socket", ["kitchen"]);
    for (let i = 0; i < 50 && stored(w)?.name !== "Kitchen socket"; i++) await sleep(50);
    const about = await c.about(did);
    assert.equal(about.deviceName, "Kitchen socket");
    assert.deepEqual(about.groups, ["kitchen"]);
    assert.equal(about.deviceType, "socket");
    assert.deepEqual(about.entities.map((e) => e.name), ["switch", "power", "energy"]);

    const topic = `${w.stack.cloud.home}/${w.stack.cloud.gateway}/${did}/switch/out`;
    const from = c.received.length;
    assert.deepEqual(await c.command(did, "switch", "set", "on"), { kind: "confirmation", value: "on" });
    await sleep(300);
    const replies = c.received.slice(from).filter((m) => m.topic === topic);
    assert.equal(replies.length, 1, "exactly one confirmation per command");
    assert.deepEqual(await c.command(did, "switch", "set", "maybe"), { kind: "error", reason: "invalid_value" });
    assert.deepEqual(await c.command(did, "switch", "query", "switch"), { kind: "confirmation", value: "on" });

    const text = run.lines.join("\n");
    for (const secret of [w.unit.identity.activationCode, rec?.password ?? "x"]) assert.ok(!text.includes(secret), "no secret in the device log");
    run.stop();
  });

  test("reboot of a provisioned device: no onboarding traffic, resubscribes, retained online status and state", async () => {
    const did = w.unit.identity.deviceId;
    const c = await w.stack.controller("cloud");
    // boot from the flash the first test left, then cut the power: the broker publishes the Last Will
    const old = w.boot({ log: "none" });
    await old.waitPhase("operational");
    old.stop();
    await c.awaitStatus(did, "offline", 5000);
    // The Node port's Will is retained: a controller that subscribes after the power cut reads offline.
    const afterCut = await w.stack.controller("cloud");
    await sleep(300);
    const statusTopic = `${w.stack.cloud.home}/${w.stack.cloud.gateway}/${did}/status/out`;
    assert.ok(afterCut.received.some((m) => m.retained && m.topic === statusTopic), "the Last Will is retained");
    assert.equal(afterCut.lastStatus(did), "offline");
    const run = w.boot();
    await run.waitPhase("operational");
    assert.ok(!run.phases.some((p) => p.startsWith("activate") || p === "wifi_wps" || p === "home_prefix"), run.phases.join(","));
    assert.ok(!run.lines.some((l) => l.includes("request.sent") || l.includes("home_prefix.request")), "no onboarding traffic");
    await c.awaitStatus(did, "online");
    assert.deepEqual(await c.command(did, "switch", "set", "off"), { kind: "confirmation", value: "off" });
    // a late controller sees the retained status and state
    const late = await w.stack.controller("cloud");
    await sleep(300);
    const retained = late.received.filter((m) => m.retained).map((m) => m.topic);
    const p = `${w.stack.cloud.home}/${w.stack.cloud.gateway}/${did}`;
    for (const t of ["status", "switch", "power", "energy"]) assert.ok(retained.includes(`${p}/${t}/out`), `retained ${t}: ${retained.join(",")}`);
    assert.equal(late.lastStatus(did), "online");
    run.stop();
  });

  test("remove: confirmation, offline, credentials erased, restart unprovisioned, then a new onboarding works", async () => {
    const did = w.unit.identity.deviceId;
    const c = await w.stack.controller("cloud");
    const run = w.boot();
    await run.waitPhase("operational");
    await c.remove(did);
    await c.awaitStatus(did, "offline", 5000);
    await run.waitPhase("wifi_wps", 5000);
    assert.equal(run.host.restarts, 1);
    assert.equal(stored(w), null, "credentials erased");
    // factory data untouched: the same identity onboards again
    const setup = c.setupResult(did, 20_000);
    await c.addDevice(req(w));
    await run.waitPhase("operational", 20_000);
    assert.equal(await setup, "success");
    run.stop();
  });
});

describe("local flows (SH-GW advertised over mDNS on loopback)", () => {
  test("WPS flow: mDNS finds MQTT2GO.local, GET_CREDENTIALS, operational on the gateway", async () => {
    await inWorld({ local: true }, async (w) => {
      const did = w.unit.identity.deviceId;
      const c = await w.stack.controller("gateway");
      const setup = c.setupResult(did, 20_000);
      await c.addDevice(req(w));
      const run = w.boot();
      await run.waitPhase("operational", 20_000);
      assert.equal(await setup, "success");
      assert.ok(run.phases.includes("activate_local") && !run.phases.includes("activate_cloud"), run.phases.join(","));
      const rec = stored(w);
      assert.equal(rec?.broker.kind, "local");
      assert.equal(rec?.broker.port, w.stack.gateway?.port);
      assert.deepEqual(await c.command(did, "switch", "set", "on"), { kind: "confirmation", value: "on" });
    });
  });

  test("guest Wi-Fi flow: WPS fails, guest SSID with the activation code, Wi-Fi credentials, home network", async () => {
    await inWorld({ local: true }, async (w) => {
      const did = w.unit.identity.deviceId;
      const c = await w.stack.controller("gateway");
      const setup = c.setupResult(did, 20_000);
      await c.addDevice(req(w));
      for (let i = 0; i < 100 && !w.stack.radio.guestAvailable(); i++) await sleep(20);
      assert.ok(w.stack.radio.guestAvailable(), "the gateway opened its guest network for the pending activation");
      const run = w.boot({ wps: "fail" });
      await run.waitPhase("operational", 20_000);
      assert.equal(await setup, "success");
      assert.deepEqual(run.phases.slice(0, 6), ["wifi_wps", "wifi_guest", "discover", "activate_local", "wifi_home", "rediscover"]);
      const rec = stored(w);
      assert.equal(rec?.wifi?.ssid, w.stack.radio.homeSsid);
      assert.equal(rec?.broker.kind, "local");
    });
  });
});

describe("refusals", () => {
  test("activation expired: the discovery server's window closed before the device asked", async () => {
    await inWorld({ ttlMs: 300 }, async (w) => {
      const c = await w.stack.controller("cloud");
      await c.addDevice(req(w));
      await sleep(700);
      const run = w.boot();
      const s = await run.waitPhase("unprovisioned", 15_000);
      assert.equal(s.reason, "activation_expired");
      assert.equal(stored(w), null);
    });
  });

  test("the device's own 15-minute window (shortened) closes an attempt that gets no answer, and rolls back", async () => {
    await inWorld({}, async (w) => {
      // The discovery server is unreachable (nothing listens on the port): the device backs off and
      // retries until its own window, shortened here, closes.
      const c = await w.stack.controller("cloud");
      await c.addDevice(req(w));
      const run = w.boot({ config: { activationWindowMs: 1500 }, discovery: { host: "127.0.0.1", port: 9 } });
      const s = await run.waitPhase("unprovisioned", 10_000);
      assert.equal(s.reason, "activation_expired");
      assert.ok(run.lines.some((l) => l.includes("session.closed")), "kept retrying until the window closed");
    });
  });

  test("unknown activation code: the unit powered on before its label is scanned keeps asking, then onboards (§6)", async () => {
    await inWorld({}, async (w) => {
      const run = w.boot({ config: { requestIntervalMs: 300 } });
      for (let i = 0; i < 100 && run.lines.filter((l) => l.includes("reply.refused")).length < 2; i++) await sleep(100);
      assert.ok(run.lines.filter((l) => l.includes("reply.refused")).length >= 2, "refused and asked again");
      assert.equal(run.host.device.phase, "activate_cloud", "the attempt goes on");
      const c = await w.stack.controller("cloud");
      const setup = c.setupResult(w.unit.identity.deviceId, 20_000);
      await c.addDevice(req(w));
      await run.waitPhase("operational", 20_000);
      assert.equal(await setup, "success");
      run.stop();
    });
  });

  test("unknown activation code until the window closes: activation_expired, nothing stored", async () => {
    await inWorld({}, async (w) => {
      const run = w.boot({ config: { requestIntervalMs: 200, activationWindowMs: 1500 } });
      const s = await run.waitPhase("unprovisioned", 10_000);
      assert.equal(s.reason, "activation_expired");
      assert.ok(run.lines.some((l) => l.includes("reply.refused")));
      assert.equal(stored(w), null);
    });
  });

  test("a broker certificate from a foreign CA is refused (TLS), and the device keeps backing off", async () => {
    const { createCa } = await import("../../stack/certs");
    await inWorld({}, async (w) => {
      const foreign = createCa("Foreign CA");
      const unit = { ...w.unit, tls: { ...w.unit.tls, caPem: foreign.certPem } };
      const c = await w.stack.controller("cloud");
      await c.addDevice(req(w));
      const run = w.boot({ unit });
      await sleep(2500);
      assert.equal(run.host.device.phase, "activate_cloud");
      assert.ok(run.lines.some((l) => l.includes("session.closed") && l.includes("reason=tls")), run.lines.join("\n"));
      assert.equal(stored(w), null);
    });
  });

  test("a device publishing outside its ACL is refused by the broker", async () => {
    await inWorld({}, async (w) => {
      const did = w.unit.identity.deviceId;
      const c = await w.stack.controller("cloud");
      await c.addDevice(req(w));
      const run = w.boot();
      await run.waitPhase("operational", 20_000);
      const rec = stored(w);
      assert.ok(rec);
      const mqtt = (await import("mqtt")).default;
      const client = await mqtt.connectAsync({
        protocol: "mqtts", host: rec.broker.host, port: rec.broker.port, ca: w.unit.tls.caPem, cert: rec.cert, key: w.unit.tls.keyPem,
        clientId: `${did}`, username: rec.user, password: rec.password, reconnectPeriod: 0,
      });
      const other = `${w.stack.cloud.home}/${w.stack.cloud.gateway}/another-device/switch/in`;
      const from = c.received.length;
      await client.publishAsync(other, JSON.stringify({ type: "set", timestamp: 0, value: "on" })).catch(() => {});
      await sleep(400);
      assert.equal(c.received.slice(from).filter((m) => m.topic === other).length, 0, "the broker dropped the publish");
      await client.endAsync(true);
    });
  });
});
