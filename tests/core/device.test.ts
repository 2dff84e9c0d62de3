// The runtime (device.ts) with the real reducer, record, entity model and logger over in-memory ports.
import { assert, deepEqual, equal, test } from "../harness";
import { CredentialStore } from "../../src/core/record";
import { MemoryStore } from "../../src/core/nvs";
import { FakePlatform, makeDevice, toCloudActivation } from "./device-kit";
import { AC, DID, brokerData, homePrefix, rename } from "./onboarding-kit";

const P = `home1/gw1/${DID}`;

function onboard(p: FakePlatform) {
  const d = toCloudActivation(p);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${DID}/home/in`, homePrefix());
  p.last.handlers.onConnected();
  return d;
}

test("cloud onboarding through the runtime persists an atomic record and ends operational", () => {
  const p = new FakePlatform();
  const d = onboard(p);
  equal(d.phase, "operational");
  equal(p.sessions.length, 3, "discovery, cloud, cloud with Last Will");
  assert(p.sessions[0]?.closed && p.sessions[1]?.closed && !p.sessions[2]?.closed);
  const { record } = new CredentialStore(p.store).load();
  deepEqual(record?.home, { home: "home1", gateway: "gw1" });
  equal(record?.broker.host, "cloud.example");
  equal(record?.wifi?.ssid, "HomeNet");
  const op = p.last;
  deepEqual(op.subs, [`${DID}/home/in`, `${P}/+/in`]);
  const topics = op.pubs.map((x) => x.topic);
  deepEqual(topics, [`${P}/status/out`, `${P}/switch/out`, `${P}/power/out`, `${P}/energy/out`]);
  assert(op.pubs.every((x) => x.retain), "status and state are retained");
  deepEqual(JSON.parse(op.pubs[1]?.payload ?? ""), { type: "periodic_report", priority_level: 3, timestamp: 1790000000, report: { value: "off", unit: "" } });
  assert(p.indications.includes("operational"));
  equal(p.timers.count > 0, true);
});

test("a command gives exactly one confirmation of the applied state, retained", () => {
  const p = new FakePlatform();
  onboard(p);
  const op = p.last;
  op.pubs = [];
  op.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  equal(op.pubs.length, 1);
  equal(op.pubs[0]?.topic, `${P}/switch/out`);
  equal(op.pubs[0]?.retain, true);
  deepEqual(JSON.parse(op.pubs[0]?.payload ?? ""), { type: "command_response", priority_level: 2, timestamp: 1790000000, value: "on" });
  op.pubs = [];
  op.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: "on" }));
  equal(op.pubs.length, 1, "a duplicate set re-confirms");
  op.pubs = [];
  op.deliver(`${P}/power/in`, JSON.stringify({ type: "query", timestamp: 1, value: "power" }));
  equal(op.pubs.length, 1);
  const v = (JSON.parse(op.pubs[0]?.payload ?? "{}") as { value: unknown }).value;
  assert(typeof v === "number" && v > 0, "power drawn while on");
  op.pubs = [];
  op.deliver(`${P}/switch/in`, JSON.stringify({ type: "set", timestamp: 1, value: 7 }));
  equal(op.pubs.length, 1);
  deepEqual((JSON.parse(op.pubs[0]?.payload ?? "{}") as { value: unknown }).value, { event: "error", reason: "invalid_value" });
});

test("periodic reports are published on the report interval", () => {
  const p = new FakePlatform();
  onboard(p);
  const op = p.last;
  op.pubs = [];
  p.timers.advance(60_000);
  const topics = op.pubs.map((x) => x.topic);
  assert(topics.includes(`${P}/power/out`) && topics.includes(`${P}/energy/out`), topics.join(","));
  for (const pub of op.pubs) equal((JSON.parse(pub.payload) as { type: string }).type, "periodic_report");
  for (const pub of op.pubs) equal(pub.retain, false, `periodic report on ${pub.topic} is not retained (PROTOCOL §8)`);
});

test("reboot of a provisioned device: no onboarding traffic, straight to operational with the Last Will", () => {
  const store = new MemoryStore();
  const first = new FakePlatform(store);
  onboard(first);
  first.last.deliver(`${DID}/home/in`, rename());

  const p = new FakePlatform(store);
  const d = makeDevice(p);
  d.start();
  equal(p.wpsCalls.length, 0, "no WPS");
  equal(p.joins[0]?.ssid, "HomeNet");
  p.joins[0]?.done({ ok: true });
  equal(p.sessions.length, 1);
  assert(p.last.options.will, "Last Will on the first session");
  p.last.handlers.onConnected();
  equal(d.phase, "operational");
  assert(!p.last.pubs.some((x) => x.topic.includes("/activation/") || x.topic.endsWith("/home/out")), "no onboarding traffic");
  p.last.pubs = [];
  p.last.deliver(`${P}/about/in`, JSON.stringify({ type: "query", timestamp: 1, value: "about" }));
  equal((JSON.parse(p.last.pubs[0]?.payload ?? "{}") as { value: { device_name: string } }).value.device_name, "Kitchen socket");
});

test("remove erases the credentials, keeps nothing, restarts; the next boot onboards again", () => {
  const store = new MemoryStore();
  const p = new FakePlatform(store);
  const d = onboard(p);
  p.last.deliver(`${P}/remove/in`, JSON.stringify({ type: "control", timestamp: 1, value: "true" }));
  equal(d.phase, "removing");
  equal(new CredentialStore(store).load().record, null);
  equal(p.restarts, 0, "restart waits for the last publishes");
  p.timers.advance(1000);
  equal(p.restarts, 1);
  const again = new FakePlatform(store);
  makeDevice(again).start();
  equal(again.wpsCalls.length, 1, "unprovisioned: onboarding starts again");
});

test("a torn commit leaves the old record; the credentials are not used and the attempt asks again", () => {
  const store = new MemoryStore();
  const p = new FakePlatform(store);
  const d = toCloudActivation(p);
  store.failAfter(2);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  equal(p.sessions.length, 1, "no connect with credentials that were not stored");
  equal(d.phase, "activate_cloud");
  assert(!p.sessions[0]?.closed, "the discovery session stays open to ask again");
  store.heal();
  equal(new CredentialStore(store).load().record, null);
  p.timers.advance(1000);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  equal(p.sessions.length, 2, "stored, then used");
  assert(new CredentialStore(store).load().record !== null);
});

test("the activation window closes the attempt and rolls back what it stored", () => {
  const store = new MemoryStore();
  const p = new FakePlatform(store);
  const d = toCloudActivation(p);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  assert(new CredentialStore(store).load().record !== null);
  p.timers.advance(15 * 60_000);
  equal(d.phase, "unprovisioned");
  equal(new CredentialStore(store).load().record, null);
  assert(p.indications.includes("activation_expired"));
});

test("the log reads one line per event with phases and never shows a secret", () => {
  const p = new FakePlatform();
  onboard(p);
  p.last.deliver(`${DID}/home/in`, rename());
  const text = p.text();
  for (const secret of ["p4ssw0rd-secret", "home-pass-123", AC]) assert(!text.includes(secret), `log leaks ${secret}`);
  assert(text.split("\n").every((l) => l.length > 0 && !l.includes("\n")));
  for (const phase of ["wifi_wps", "discover", "activate_cloud", "connect", "home_prefix", "operational"]) assert(text.includes(phase), `phase ${phase} in log`);
});

test("a rename relayed again on resubscribe writes the record once (issue 8 item 13)", () => {
  const store = new MemoryStore();
  const p = new FakePlatform(store);
  onboard(p);
  p.last.deliver(`${DID}/home/in`, rename());
  const after = store.writes;
  assert(after > 0);
  p.last.deliver(`${DID}/home/in`, rename());
  p.last.deliver(`${DID}/home/in`, rename());
  equal(store.writes, after, "same name and groups: no write");
  assert(p.lines.some((l) => l.event === "rename.unchanged"));
  p.last.deliver(`${DID}/home/in`, rename(DID, "Kitchen socket", ["kitchen"]));
  assert(store.writes > after, "changed groups are written");
  equal(new CredentialStore(store).load().record?.groups?.join(","), "kitchen");
});
