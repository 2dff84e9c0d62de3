// Issue 8 item 4: a local broker is reached at its mDNS address and verified by its SRV target
// (the TLS server name), which is persisted with the address; version-1 records still load.
import { assert, deepEqual, equal, test } from "../harness";
import { crc32 } from "../../src/core/crc32";
import { MemoryStore } from "../../src/core/nvs";
import { CredentialStore, RECORD_VERSION, type CredentialRecord } from "../../src/core/record";
import { AC, DID, Rig, creds, homePrefix, provisionedRecord } from "./onboarding-kit";

const GW = { host: "MQTT2GO.local", address: "192.168.1.10", port: 8883 };

test("server name: init and operational sessions to a local broker carry the SRV target as TLS server name; it is stored", () => {
  const r = new Rig();
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: GW });
  equal(r.find("mqtt_connect")?.options.serverName, "MQTT2GO.local");
  equal(r.find("mqtt_connect")?.options.host, "192.168.1.10");
  r.connected();
  r.message(`${AC}/activation/in`, creds());
  deepEqual(r.find("store_commit")?.record.broker, { kind: "local", host: "192.168.1.10", port: 8883, name: "MQTT2GO.local" });
  equal(r.find("mqtt_connect")?.options.serverName, "MQTT2GO.local");
  r.connected();
  r.message(`${DID}/home/in`, homePrefix());
  equal(r.find("mqtt_connect")?.options.serverName, "MQTT2GO.local", "the reconnect with the Last Will too");
});

test("server name: a cloud broker is verified by its own host (no server name)", () => {
  const r = new Rig();
  r.send({ type: "boot", record: provisionedRecord() });
  r.send({ type: "wifi_done", result: { ok: true } });
  equal(r.find("mqtt_connect")?.options.serverName, undefined);
});

test("server name: a version-1 local record (no name) loads, connects by address, and gains the name at the next rediscovery", () => {
  const mem = new MemoryStore();
  const v1: CredentialRecord = provisionedRecord({ broker: { kind: "local", host: "192.168.1.10", port: 8883 } });
  // A record as firmware before this change wrote it: {"v":1,...} without broker.name.
  const cs = new CredentialStore(mem);
  cs.commit(v1);
  const text = mem.get("mqtt2go", "s0.c0") as string;
  const old = JSON.stringify({ ...JSON.parse(text) as object, v: 1 });
  mem.set("mqtt2go", "s0.c0", old);
  mem.set("mqtt2go", "s0.crc", crc(old));
  const loaded = new CredentialStore(mem).load();
  deepEqual(loaded.record?.broker, { kind: "local", host: "192.168.1.10", port: 8883 }, loaded.notes.join("; "));
  const r = new Rig();
  r.send({ type: "boot", record: loaded.record });
  r.send({ type: "wifi_done", result: { ok: true } });
  r.send({ type: "mdns_done", found: GW });
  deepEqual(r.find("store_commit")?.record.broker, { kind: "local", host: "192.168.1.10", port: 8883, name: "MQTT2GO.local" }, "same address: rewritten for the name");
  equal(r.find("mqtt_connect")?.options.serverName, "MQTT2GO.local");
  new CredentialStore(mem).commit(r.find("store_commit")?.record as CredentialRecord);
  const text2 = mem.get("mqtt2go", "s1.c0") as string;
  equal((JSON.parse(text2) as { v: number }).v, RECORD_VERSION);
  equal(RECORD_VERSION, 2);
});

test("server name: the record refuses a name that is not a host name", () => {
  const cs = new CredentialStore(new MemoryStore());
  for (const name of ["", "x".repeat(254)]) {
    let threw = false;
    try { cs.commit(provisionedRecord({ broker: { kind: "local", host: "10.0.0.1", port: 8883, name } })); } catch { threw = true; }
    assert(threw, `name of ${name.length} characters refused`);
  }
});

function crc(s: string): number {
  return crc32(s) | 0;
}
