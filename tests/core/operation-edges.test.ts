// Issue 8 items 7 and 9: factory reset says offline before it leaves; a query without value is a
// query; nothing is commanded on status/in (ignored and logged, no error published).
import { assert, deepEqual, equal, test } from "../harness";
import { decodeCommand } from "../../src/core/messages";
import { CredentialStore } from "../../src/core/record";
import { MemoryStore } from "../../src/core/nvs";
import { FakePlatform, toCloudActivation } from "./device-kit";
import { AC, DID, Rig, brokerData, homePrefix, toOperational } from "./onboarding-kit";

const P = `home1/gw1/${DID}`;

function operational(p: FakePlatform) {
  const d = toCloudActivation(p);
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${DID}/home/in`, homePrefix());
  p.last.handlers.onConnected();
  equal(d.phase, "operational");
  return d;
}

test("factory reset while operational publishes the retained offline status before the session closes", () => {
  const store = new MemoryStore();
  const p = new FakePlatform(store);
  const d = operational(p);
  const op = p.last;
  op.pubs = [];
  d.factoryReset();
  deepEqual(op.pubs.map((x) => x.topic), [`${P}/status/out`]);
  equal(op.pubs[0]?.retain, true);
  equal((JSON.parse(op.pubs[0]?.payload ?? "{}") as { value: string }).value, "offline");
  equal(op.closed, false, "not closed before the offline status could leave");
  equal(new CredentialStore(store).load().record, null, "credentials erased");
  equal(p.restarts, 0);
  p.timers.advance(1000);
  equal(p.restarts, 1, "then restarts");
  assert(op.closed, "session closed by the restart");
});

test("factory reset outside operation restarts at once (no session to tell)", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "factory_reset" });
  equal(r.kinds()[r.kinds().length - 1], "restart");
  equal(r.find("mqtt_publish"), undefined);
});

test("a query without value is a query (the entity model accepts it)", () => {
  deepEqual(decodeCommand('{"type":"query","timestamp":1}'), { ok: true, value: { type: "query", value: undefined, timestamp: 1 } });
  equal(decodeCommand('{"type":"set","timestamp":1}').ok, false, "set still needs a value");
  const p = new FakePlatform();
  operational(p);
  const op = p.last;
  op.pubs = [];
  op.deliver(`${P}/switch/in`, '{"type":"query","timestamp":1}');
  equal(op.pubs.length, 1);
  deepEqual(JSON.parse(op.pubs[0]?.payload ?? "{}"), { type: "command_response", priority_level: 2, timestamp: 1790000000, value: "off" });
});

test("a message on status/in is ignored and logged; nothing is published on status/out", () => {
  const r = new Rig();
  toOperational(r);
  for (const payload of ['{"type":"set","timestamp":1,"value":"offline"}', "junk", '{"type":"query"}']) {
    r.message(`${P}/status/in`, payload);
    equal(r.find("mqtt_publish"), undefined, payload);
    deepEqual(r.kinds(), [], payload);
    assert(r.logs().includes("message.ignored"), "logged");
  }
});
