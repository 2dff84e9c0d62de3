// The mosquitto backend's account reloads (stack/mosquitto.ts): each change is in force when its
// call resolves, and a reload that lands during a restart's down time (its SIGHUP reaching the
// shell that waits to exec the new broker) does not keep the broker down.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createFactoryIdentity, loadCertsDir } from "../../stack/certs";
import { mosquittoAvailable, startMosquitto, type Mosquitto, type MosquittoUser } from "../../stack/mosquitto";
import { connectDevice, end, recordingLog } from "./stack-helpers";

const skip = mosquittoAvailable() ? false : "mosquitto is not installed (apt-get install mosquitto)";
const certs = loadCertsDir();

describe("mosquitto account reloads", { skip }, () => {
  let m: Mosquitto;
  const rec = recordingLog();
  before(async () => {
    m = await startMosquitto({
      name: "reload-test", host: "127.0.0.1", port: 0, deviceLogin: "password", serviceTopics: [], onMessage: () => {}, log: rec.log,
      tls: { chainPem: certs.server.chainPem, keyPem: certs.server.keyPem, caPem: certs.ca.certPem },
    });
  });
  after(async () => { await m?.close(); });

  const user = (password: string): MosquittoUser => ({ password, rules: [{ access: "readwrite", topic: "t/#" }] });
  const identity = createFactoryIdentity(certs.ca, { deviceType: "socket" });
  const login = (name: string, password: string) =>
    connectDevice({ port: m.port, caPem: certs.ca.certPem, identity, username: name, password });

  test("an account is in force when setUsers resolves and gone when removeUsers resolves", async () => {
    await assert.rejects(login("u-reload-1", "pw-1"));
    await m.setUsers(new Map([["u-reload-1", user("pw-1")]]));
    await end(await login("u-reload-1", "pw-1"));
    await m.removeUsers(["u-reload-1"]);
    await assert.rejects(login("u-reload-1", "pw-1"));
    assert.ok(m.reloads().count >= 2 && m.reloads().max_ms > 0);
  });

  test("a reload during a restart's down time: the new broker still starts and has the account", async () => {
    const pidBefore = m.pid();
    const restarting = m.restart({ downMs: 1500 });
    await new Promise((r) => setTimeout(r, 400));
    const added = m.setUsers(new Map([["u-reload-2", user("pw-2")]]));
    await restarting;
    await added;
    assert.notEqual(m.pid(), pidBefore, "a new broker process");
    assert.ok(!rec.seen("exited"), "the respawn shell survived the SIGHUP");
    await end(await login("u-reload-2", "pw-2"));
  });
});
