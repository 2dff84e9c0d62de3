// §9: the replies heard over the authenticated activation and operational sessions are time sources.
import { test, equal, deepEqual } from "../harness";
import { AC, CERT_PEM, DID, Rig, activationRig } from "./onboarding-kit";

const reply = (timestamp: unknown): string =>
  JSON.stringify({ type: "broker_data", timestamp, value: { broker_ip: "cloud.example:8884", device_certificate: CERT_PEM, user: "u", password: "pw-123456" } });

test("time: a valid broker_data reply hands its timestamp to the clock", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, reply(1_790_000_123));
  deepEqual(r.find("time_heard"), { kind: "time_heard", unixSeconds: 1_790_000_123 });
});

test("time: milliseconds and numeric strings are seconds for the clock; 0 and garbage hand nothing", () => {
  for (const [t, s] of [[1_790_000_123_456, 1_790_000_123], ["1790000124", 1_790_000_124]] as const) {
    const r = activationRig("cloud");
    r.message(`${AC}/activation/in`, reply(t));
    equal(r.find("time_heard")?.unixSeconds, s, String(t));
  }
  for (const t of [0, "soon", null]) {
    const r = activationRig("cloud");
    r.message(`${AC}/activation/in`, reply(t));
    equal(r.find("time_heard"), undefined, String(t));
    equal(r.find("store_commit")?.record.user, "u", "the reply itself is still used (§9: never reject only for the timestamp)");
  }
});

test("time: an invalid or refused reply hands nothing to the clock", () => {
  const r = activationRig("cloud");
  r.message(`${AC}/activation/in`, JSON.stringify({ type: "broker_data", timestamp: 1_790_000_123, value: { broker_ip: "" } }));
  equal(r.find("time_heard"), undefined);
  r.message(`${AC}/activation/in`, JSON.stringify({ type: "broker_data", timestamp: 1_790_000_123, value: { error: "unknown_activation_code" } }));
  equal(r.find("time_heard"), undefined);
});

test("time: the home_prefix reply hands its timestamp to the clock; a rename does not", () => {
  const r = new Rig(undefined, null);
  r.send({ type: "boot", record: null });
  r.send({ type: "wps_done", result: { ok: true, ssid: "HomeNet", password: "home-pass-123" } });
  r.send({ type: "mdns_done", found: null });
  r.connected();
  r.message(`${AC}/activation/in`, reply(0));
  r.connected();
  r.message(`${DID}/home/in`, JSON.stringify({ timestamp: 1_790_000_555, type: "home_prefix", value: { home_id: "home1", gateway_id: "gw1" } }));
  equal(r.find("time_heard")?.unixSeconds, 1_790_000_555);
  r.connected();
  equal(r.state.phase, "operational");
  r.message(`${DID}/home/in`, JSON.stringify({ timestamp: 1_790_000_999, type: "rename_device", value: { device_id: DID, device_name: "Lamp", group_id: [] } }));
  equal(r.find("time_heard"), undefined);
});
