// The Node MQTT port refuses a send on a session that is not connected and reports it as the end
// of the session (mqtt.js would queue it and flush it after a later CONNACK).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { DEV_IDENTITY_DIR, loadUnit } from "../../hosts/node/identity";
import { NodeMqttPort } from "../../hosts/node/ports/mqtt";
import type { CloseReason } from "../../src/core/ports";

test("publish or subscribe before CONNACK ends the session with a report, once, and sends nothing", async () => {
  // A TCP server that accepts and never answers: the session stays before CONNACK.
  const received: Buffer[] = [];
  const server = createServer((s) => { s.on("data", (d: Buffer) => received.push(d)); s.on("error", () => {}); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const mqtt = new NodeMqttPort(loadUnit({ identityDir: DEV_IDENTITY_DIR }).tls, 5000);
  try {
    for (const op of ["publish", "subscribe"] as const) {
      const closes: [CloseReason, string][] = [];
      let connected = false;
      const s = mqtt.connect(
        { host: "127.0.0.1", port, clientId: "dev-socket-0001", keepAliveS: 60 },
        { onConnected: () => { connected = true; }, onMessage: () => {}, onClose: (reason, detail) => closes.push([reason, detail]) },
      );
      if (op === "publish") s.publish("a/b", "early", false);
      else s.subscribe("a/+/in");
      assert.equal(closes.length, 1, "reported at once");
      assert.equal(closes[0]?.[0], "network");
      assert.match(closes[0]?.[1] ?? "", new RegExp(`^${op} a/.* refused: the session is not connected$`));
      s.publish("a/b", "later", false);
      s.close();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(closes.length, 1, "one report per session");
      assert.equal(connected, false);
    }
    assert.ok(!Buffer.concat(received).includes("early"), "the early publish never left");
  } finally {
    mqtt.powerOff();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
