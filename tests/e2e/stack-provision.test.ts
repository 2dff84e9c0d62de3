// A provisioning whose reply is lost (the discovery server registered the entry, the cloud saw a
// timeout or a reset) must not leave the device with credentials the broker no longer knows:
// PROTOCOL §10 has a refused device back off forever, so such a unit would never come in.
// On each backend: the failed provisioning keeps the account, the controller's second add request
// provisions the same credentials again, and a unit that already logged in gets new ones.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FactoryRegistry, randomSecret, type ControllerAccount, type DeviceAccount } from "../../stack/accounts";
import { createFactoryIdentity, loadCertsDir, type FactoryIdentity } from "../../stack/certs";
import { Controller } from "../../stack/controller";
import { startHomeBroker, SETUP_ACTIVATION_FAILED, type HomeBroker } from "../../stack/home-service";
import { brokerBackends, connectDevice, end, recordingLog, waitUntil } from "./stack-helpers";

const certs = loadCertsDir();

for (const backend of brokerBackends()) {
  describe(`provisioning whose reply is lost (${backend})`, () => {
    const registry = new FactoryRegistry();
    const owner: ControllerAccount = { user: "controller", password: randomSecret(), home: "home-1", gateway: "gw-cloud" };
    const neighbour: ControllerAccount = { user: "controller-2", password: randomSecret(), home: "home-2", gateway: "gw-cloud" };
    const rec = recordingLog();
    /** What the discovery server holds per device: the credentials of the last provisioning it received. */
    const registered = new Map<string, { user: string; password: string; cert: string }>();
    const provisions = new Map<string, number>();
    let loseReplies = true;
    let home: HomeBroker;
    let controller: Controller;
    let other: Controller;
    before(async () => {
      home = await startHomeBroker({
        name: "cloud", backend, host: "127.0.0.1", port: 0, ca: certs.ca, registry, controllers: [owner, neighbour], log: rec.log,
        tls: { chainPem: certs.server.chainPem, keyPem: certs.server.keyPem, caPem: certs.ca.certPem },
        provision: (a: DeviceAccount) => {
          registered.set(a.deviceId, { user: a.user, password: a.password, cert: a.certPem });
          provisions.set(a.deviceId, (provisions.get(a.deviceId) ?? 0) + 1);
          return loseReplies ? Promise.reject(new Error("read ECONNRESET")) : Promise.resolve();
        },
      });
      controller = await Controller.connect({
        host: "127.0.0.1", port: home.controllerPort, caPem: certs.ca.certPem, user: owner.user, password: owner.password, home: owner.home, gateway: owner.gateway,
      });
      other = await Controller.connect({
        host: "127.0.0.1", port: home.controllerPort, caPem: certs.ca.certPem, user: neighbour.user, password: neighbour.password, home: neighbour.home, gateway: neighbour.gateway,
      });
    });
    after(async () => { await controller?.close(); await other?.close(); await home?.broker.close(); });

    const add = (id: FactoryIdentity): Promise<string> =>
      controller.onboard({ activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType }, 5000).catch((e: Error) => e.message);
    const login = (id: FactoryIdentity, c: { user: string; password: string; cert: string }) =>
      connectDevice({ port: home.broker.port, caPem: certs.ca.certPem, identity: id, certPem: c.cert, username: c.user, password: c.password });

    test("the account stays, the second add provisions the same credentials, and the device logs in with what it fetched first", async () => {
      const id = createFactoryIdentity(certs.ca, { deviceType: "socket" });
      registry.add(id);
      loseReplies = true;
      assert.equal(await add(id), SETUP_ACTIVATION_FAILED, "the controller hears the failure");
      const fetched = registered.get(id.deviceId);
      assert.ok(fetched, "the discovery server got the entry although the reply was lost");
      assert.ok(rec.seen("provision_failed", id.deviceId));

      // The installer adds the unit again; this time the reply arrives.
      loseReplies = false;
      void add(id);
      await waitUntil(() => provisions.get(id.deviceId) === 2, 5000);
      assert.ok(rec.seen("account_reused", id.deviceId));
      assert.deepEqual(registered.get(id.deviceId), fetched, "the same account was provisioned again");
      // The device fetched the first entry (before the second add replaced it): it still gets in.
      const dev = await login(id, fetched);
      await end(dev);
    });

    test("a unit that already logged in gets a new account on the next add; its old password is refused", async () => {
      const id = createFactoryIdentity(certs.ca, { deviceType: "socket" });
      registry.add(id);
      loseReplies = false;
      void add(id);
      await waitUntil(() => registered.has(id.deviceId), 5000);
      const first = registered.get(id.deviceId)!;
      // The first login marks the activation finished (aedes: at CONNECT; mosquitto: its first publish).
      const dev = await login(id, first);
      await dev.publishAsync(`${id.deviceId}/home/out`, "{}");
      await waitUntil(() => home.accounts.get(id.deviceId)?.loggedIn === true, 5000);
      await end(dev);

      registered.delete(id.deviceId);
      void add(id);
      await waitUntil(() => registered.has(id.deviceId), 5000);
      const second = registered.get(id.deviceId)!;
      assert.notEqual(second.password, first.password, "a finished activation is not reused");
      await assert.rejects(login(id, first), "the old credentials no longer log in");
      await end(await login(id, second));
    });

    test("two add requests at once provision one account; another home's add gets a new one", async () => {
      const id = createFactoryIdentity(certs.ca, { deviceType: "socket" });
      registry.add(id);
      loseReplies = false;
      const seen: string[] = [];
      const req = { activationCode: id.activationCode, deviceId: id.deviceId, deviceType: id.deviceType };
      await Promise.all([controller.addDevice(req), controller.addDevice(req)]);
      await waitUntil(() => provisions.get(id.deviceId) === 2, 5000);
      seen.push(registered.get(id.deviceId)!.password);
      assert.equal(rec.events.filter((e) => e.event === "account_created" && e.fields.device === id.deviceId).length, 1, "one account for both requests");
      assert.equal(home.accounts.get(id.deviceId)!.password, seen[0], "the broker's account is the one the discovery server holds");

      // The same unit added by another home (the unit changed hands before it came in): new credentials.
      await other.addDevice(req);
      await waitUntil(() => provisions.get(id.deviceId) === 3, 5000);
      assert.notEqual(registered.get(id.deviceId)!.password, seen[0]);
      assert.equal(home.accounts.get(id.deviceId)!.home, "home-2");
    });
  });
}
