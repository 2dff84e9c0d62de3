// src/moddable/mqtt.ts over fakes of the SDK's mqtt Client, securesocket and timer
// (tests/moddable/fakes): the session reports its end once and on a later turn; a send before
// CONNACK or one the client refuses ends the session with a report instead of vanishing.
import { assert, deepEqual, equal, test } from "../harness";
import type { CloseReason, MqttSession } from "../../src/core/ports";
import { ModdableMqtt } from "../../src/moddable/mqtt";
import { connack, message, mqttClients, resetMqtt } from "./fakes/mqtt";
import { advance, resetTimers } from "./fakes/timer";

const TLS = { ca: new ArrayBuffer(4), cert: new ArrayBuffer(4), key: new ArrayBuffer(4) };

function open(): { s: MqttSession; closes: [CloseReason, string][]; ready: () => number; msgs: [string, string, number][] } {
  resetTimers();
  resetMqtt();
  const closes: [CloseReason, string][] = [];
  const msgs: [string, string, number][] = [];
  let ready = 0;
  const s = new ModdableMqtt(TLS).connect(
    { host: "broker.example", port: 8883, clientId: "dev-socket-0001", username: "u", password: "p", keepAliveS: 60 },
    { onConnected: () => { ready++; }, onMessage: (t, p, b) => msgs.push([t, p, b]), onClose: (r, d) => closes.push([r, d]) },
  );
  return { s, closes, ready: () => ready, msgs };
}

/** The TLS handshake completes: the socket's message handler runs with bytes from the server. */
function handshake(): void {
  (client().ws as unknown as { messageHandler(n: number): void }).messageHandler(10);
}

function client() {
  const c = mqttClients()[0];
  if (!c) throw new Error("no client");
  return c;
}

test("mqtt (Moddable): a publish before CONNACK is reported as the end of the session, on a later turn", () => {
  const { s, closes } = open();
  s.publish("a/b", "early", false);
  equal(closes.length, 0, "never from inside the call");
  advance(0);
  deepEqual(closes, [["network", "publish a/b refused: Error: not connected yet (no CONNACK)"]]);
  deepEqual(client().sent, [], "nothing sent");
  equal(client().state, -1, "client closed");
  s.subscribe("a/+/in");
  advance(0);
  equal(closes.length, 1, "one report");
});

test("mqtt (Moddable): after CONNACK (onReady on a later turn) sends go out with their retain flag", () => {
  const { s, closes, ready, msgs } = open();
  connack(client());
  equal(ready(), 0, "onReady comes on a later turn");
  advance(0);
  equal(ready(), 1);
  s.subscribe("home1/gw1/dev/+/in");
  s.publish("home1/gw1/dev/status/out", "online", true);
  s.publish("home1/gw1/dev/switch/out", "err", false);
  deepEqual(client().sent, [
    { kind: "subscribe", topic: "home1/gw1/dev/+/in" },
    { kind: "publish", topic: "home1/gw1/dev/status/out", payload: "online", retain: true },
    { kind: "publish", topic: "home1/gw1/dev/switch/out", payload: "err", retain: false },
  ]);
  message(client(), "home1/gw1/dev/switch/in", "{\"v\":\"☕\"}");
  advance(0);
  deepEqual(msgs, [["home1/gw1/dev/switch/in", "{\"v\":\"☕\"}", 11]], "UTF-8 byte count");
  equal(closes.length, 0);
});

test("mqtt (Moddable): a send the client refuses after CONNACK ends the session once; later sends are dropped", () => {
  const { s, closes } = open();
  connack(client());
  advance(0);
  client().state = -1; // the link died and the client closed without a callback yet
  s.publish("a/b", "lost", false);
  advance(0);
  deepEqual(closes, [["network", "publish a/b refused: Error: connection closed"]]);
  s.publish("a/b", "after", false);
  advance(0);
  equal(closes.length, 1);
});

test("mqtt (Moddable): the broker closing the link is reported once, later; close() by the core reports nothing", () => {
  const a = open();
  handshake();
  connack(client());
  advance(0);
  client().fail("socket error -1");
  equal(a.closes.length, 0, "not from inside the client's callback");
  a.s.publish("x/y", "after the end", false);
  advance(0);
  equal(a.closes.length, 1);
  deepEqual(a.closes[0], ["closed", "connection closed by the broker"]);
  const b = open();
  connack(client());
  advance(0);
  b.s.close();
  advance(1000);
  equal(b.closes.length, 0, "closed by the core: no report");
  assert(client().state === -1);
});

test("mqtt (Moddable): no CONNACK within 30 s ends the attempt as a timeout", () => {
  const { closes } = open();
  advance(29_999);
  equal(closes.length, 0);
  advance(2);
  equal(closes.length, 1);
  equal(closes[0]?.[0], "timeout");
});
