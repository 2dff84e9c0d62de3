// The controller page's server side without a browser: how label payloads are refused, how an
// attempt ends (refused, activation_expired), and what the HTTP/WebSocket server lets in.

import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { labelPayload } from "../../src/core/label";
import { startStack, type Stack } from "../../stack/index";
import { startControllerPage, type ControllerPage } from "../../stack/ui/index";
import { UiError } from "../../stack/ui/units";
import { waitUntil } from "./stack-helpers";
import { world } from "./world";

const TTL_MS = 1500;

function http(url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? "GET", headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

describe("controller page: units and server", () => {
  let stack: Stack;
  let page: ControllerPage;
  before(async () => {
    stack = await startStack({ ttlMs: TTL_MS });
    page = await startControllerPage(stack, { replyMs: 1000 });
  });
  after(async () => {
    await page.close();
    await stack.close();
  });

  test("foreign and malformed payloads are refused with a sentence, and add nothing", async () => {
    await assert.rejects(page.units.add("https://example.com"), (e: UiError) => e.status === 400 && /not an MQTT2GO label/.test(e.message));
    await assert.rejects(page.units.add("MQTT2GO:a/b:12345678:socket"), /device id is not valid/);
    assert.equal(page.units.list().length, 0);
  });

  test("a unit the factory registry does not know ends refused: unknown_device", async () => {
    await page.units.add(labelPayload({ deviceId: "stranger-0001", activationCode: "Abcdefgh1234", deviceType: "socket" }));
    await assert.rejects(page.units.add(labelPayload({ deviceId: "stranger-0001", activationCode: "Abcdefgh1234", deviceType: "socket" })), /already onboarding/);
    await waitUntil(() => page.units.get("stranger-0001")?.onboarding.state === "refused");
    const u = page.units.get("stranger-0001");
    assert.equal(u?.onboarding.reason, "unknown_device");
    assert.ok(u?.timeline.some((t) => t.source === "cloud" && /refused/.test(t.text)), JSON.stringify(u?.timeline));
    page.units.forget("stranger-0001");
    assert.equal(page.units.get("stranger-0001"), undefined);
  });

  test("no unit within the activation window: activation_expired, and the code never reaches the view", async () => {
    const id = stack.createIdentity({ deviceType: "socket" });
    await page.units.add(id.qr);
    await waitUntil(() => page.units.get(id.deviceId)?.onboarding.state === "activation_expired", TTL_MS + 3000);
    const u = page.units.get(id.deviceId);
    assert.match(u?.timeline.at(-1)?.text ?? "", /no setup result within the 2 s activation window/);
    assert.ok(u?.timeline.some((t) => /activation registered/.test(t.text)));
    assert.ok(!JSON.stringify(page.units.list()).includes(id.activationCode));
    // Actions on a unit that is not operational fail clearly.
    await assert.rejects(page.units.command(id.deviceId, "switch", "set", "on"), /has no entity/);
    await assert.rejects(page.units.about("nobody"), (e: UiError) => e.status === 404);
  });

  test("the server answers its own origin only, refuses actions as {ok:false}, and pushes changes", async () => {
    const origin = page.url.replace(/\/$/, "");
    const json = { "content-type": "application/json", origin };
    assert.equal((await http(page.url)).status, 200);
    assert.equal((await http(page.url, { headers: { host: "evil.example:80" } })).status, 421, "DNS rebinding");
    const cross = await http(`${origin}/api/units`, { method: "POST", headers: { ...json, origin: "http://evil.example" }, body: "{}" });
    assert.equal(cross.status, 403);
    assert.equal((await http(`${origin}/api/units`, { method: "POST", headers: { origin }, body: "{}" })).status, 415);
    assert.equal((await http(`${origin}/api/units`, { method: "POST", headers: json, body: "x".repeat(9000) })).status, 413);
    const refused = await http(`${origin}/api/units`, { method: "POST", headers: json, body: JSON.stringify({ payload: "WIFI:S:x;;" }) });
    assert.equal(refused.status, 200);
    assert.deepEqual(JSON.parse(refused.body), { ok: false, error: "This is not an MQTT2GO label: its code does not start with MQTT2GO:.", refused: 400 });

    const foreign = new WebSocket(`${origin.replace("http", "ws")}/events`, { origin: "http://evil.example" });
    await new Promise<void>((resolve) => { foreign.on("error", () => resolve()); foreign.on("unexpected-response", () => resolve()); });
    foreign.terminate();

    const ws = new WebSocket(`${origin.replace("http", "ws")}/events`, { origin });
    const messages: { type: string; unit?: { deviceId: string } }[] = [];
    ws.on("message", (d: Buffer) => messages.push(JSON.parse(d.toString("utf8")) as { type: string }));
    await waitUntil(() => messages.length > 0);
    assert.equal(messages[0].type, "hello");
    const added = await http(`${origin}/api/units`, { method: "POST", headers: json, body: JSON.stringify({ payload: labelPayload({ deviceId: "pushed-0001", activationCode: "Abcdefgh1234", deviceType: "light" }) }) });
    assert.deepEqual(JSON.parse(added.body), { ok: true, deviceId: "pushed-0001" });
    await waitUntil(() => messages.some((m) => m.type === "unit" && m.unit?.deviceId === "pushed-0001"));
    ws.close();
  });
});

describe("controller page: the local gateway's view", () => {
  test("a unit onboarded over the local gateway: the timeline is the gateway's, it ends in success, the values are the unit's", async () => {
    const w = await world({ local: true });
    const page = await startControllerPage(w.stack);
    try {
      await page.units.add(labelPayload(w.unit.identity));
      const device = w.boot();
      await device.waitPhase("operational", 20_000);
      const id = w.unit.identity.deviceId;
      await waitUntil(() => page.units.get(id)?.status === "online" && page.units.get(id)?.about !== undefined, 10_000);
      const u = page.units.get(id);
      assert.equal(u?.onboarding.state, "success");
      const said = (u?.timeline ?? []).map((t) => `${t.source}: ${t.text}`);
      for (const step of ["gateway: device account created", "gateway: MQTT credentials delivered to the unit", "gateway: home prefix sent", "controller: setup_result success", "unit: online"]) {
        assert.ok(said.some((t) => t.startsWith(step)), `timeline has "${step}":\n${said.join("\n")}`);
      }
      assert.deepEqual(u?.about?.entities.map((e) => e.name), ["switch", "power", "energy"]);
      const reply = await page.units.command(id, "switch", "set", "on");
      assert.deepEqual(reply, { ok: true, value: "on" });
      await waitUntil(() => page.units.get(id)?.values.switch?.value === "on");
      assert.equal(page.units.get(id)?.values.switch?.from, "confirmation");
      assert.equal(device.host.device.snapshot.phase, "operational");
    } finally {
      await page.close();
      await w.close();
    }
  });
});
