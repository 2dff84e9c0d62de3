// The fault proxy (stack/fault-proxy.ts) over real sockets, and a broker restart that loses its
// sessions, with the Node device reaching its brokers through proxies. No timed assertions: what
// must not arrive is shown by what arrives after it.
import assert from "node:assert/strict";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { FaultProxy } from "../../stack/fault-proxy";
import { faultyWorld, type FaultyWorld } from "./faulty-world";

/** A TCP server that records what each connection sent and echoes it. */
async function recorder(): Promise<{ server: Server; port: number; got: string[]; close(): Promise<void> }> {
  const got: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("data", (d) => { got.push(d.toString()); s.write(d); });
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    server, port: (server.address() as AddressInfo).port, got,
    close: () => { for (const s of sockets) s.destroy(); return new Promise((r) => server.close(() => r())); },
  };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port }, () => { s.off("error", reject); resolve(s); });
    s.once("error", reject);
  });
}

/** The next `n` bytes this socket receives. */
function read(s: Socket, n: number): Promise<string> {
  return new Promise((resolve) => {
    let buf = "";
    const on = (d: Buffer) => { buf += d.toString(); if (buf.length >= n) { s.off("data", on); resolve(buf); } };
    s.on("data", on);
  });
}

describe("fault proxy", () => {
  let r: Awaited<ReturnType<typeof recorder>>;
  let p: FaultProxy;
  before(async () => { r = await recorder(); p = await FaultProxy.start({ target: { host: "127.0.0.1", port: r.port } }); });
  after(async () => { await p.close(); await r.close(); });

  test("passes bytes both ways", async () => {
    const s = await open(p.port);
    const echo = read(s, 5);
    s.write("hello");
    assert.equal(await echo, "hello");
    s.destroy();
  });

  test("black-hole up: bytes sent meanwhile never reach the server; after heal the next ones do", async () => {
    const s = await open(p.port);
    const first = read(s, 2);
    s.write("ok");
    await first;
    p.blackhole("up");
    const dropped = p.stats.dropped;
    s.write("LOST");
    while (p.stats.dropped < dropped + 4) await new Promise((res) => setTimeout(res, 5));
    await p.heal();
    const echo = read(s, 4);
    s.write("next");
    assert.equal(await echo, "next", "only the bytes after the heal come back");
    assert.ok(!r.got.join("").includes("LOST"));
    s.destroy();
  });

  test("freeze down: the replies are held and released in order on heal", async () => {
    const s = await open(p.port);
    const warm = read(s, 1);
    s.write("w");
    await warm;
    p.freeze("down");
    const all = read(s, 6);
    s.write("abc");
    s.write("def");
    while (r.got.join("").split("").filter((c) => "abcdef".includes(c)).length < 6) await new Promise((res) => setTimeout(res, 5));
    await p.heal();
    assert.equal(await all, "abcdef");
    s.destroy();
  });

  test("delay keeps order", async () => {
    const s = await open(p.port);
    p.delay(30, "both");
    const all = read(s, 9);
    for (const c of ["123", "456", "789"]) s.write(c);
    assert.equal(await all, "123456789");
    await p.heal();
    s.destroy();
  });

  test("refuse: nothing listens (ECONNREFUSED), live connections stay; heal listens on the same port again", async () => {
    const live = await open(p.port);
    const port = p.port;
    await p.refuse();
    await assert.rejects(open(port), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED");
    const echo = read(live, 4);
    live.write("live");
    assert.equal(await echo, "live");
    await p.heal();
    assert.equal(p.port, port);
    const s = await open(port);
    s.destroy();
    live.destroy();
  });

  test("reset: both sides of every live connection see a reset", async () => {
    const s = await open(p.port);
    const closed = new Promise<string | undefined>((res) => { s.on("error", (e: NodeJS.ErrnoException) => res(e.code)); s.on("close", () => res(undefined)); });
    const warm = read(s, 1);
    s.write("x");
    await warm;
    assert.ok(p.reset() >= 1);
    assert.equal(await closed, "ECONNRESET");
    assert.equal(p.live, 0);
  });
});

describe("broker restart through the proxies", () => {
  let w: FaultyWorld;
  before(async () => { w = await faultyWorld(); });
  after(async () => { await w.close(); });

  test("the cloud broker restarts losing sessions and retained messages: the device reconnects and republishes its status", async () => {
    const did = w.unit.identity.deviceId;
    const c = await w.stack.controller("cloud");
    const setup = c.setupResult(did, 30_000);
    await c.addDevice({ activationCode: w.unit.identity.activationCode, deviceId: did, deviceType: w.unit.identity.deviceType });
    const run = w.boot();
    await run.waitPhase("operational", 30_000);
    assert.equal(await setup, "success");
    assert.ok(w.discoveryProxy.stats.accepted >= 1 && w.cloudProxy.stats.accepted >= 2, "the device went through both proxies");
    await c.awaitStatus(did, "online");

    const closes = run.lines.filter((l) => l.includes("session.closed")).length;
    await w.stack.restartBroker("cloud", 200);
    await c.close();
    // Once the device is back, a new controller sees a retained status again: it was republished after the restart.
    for (let i = 0; i < 600 && run.lines.filter((l) => l.includes("session.closed")).length === closes; i++) await new Promise((res) => setTimeout(res, 50));
    await run.waitPhase("operational", 40_000);
    const late = await w.stack.controller("cloud");
    await late.awaitStatus(did, "online", 10_000);
    assert.ok(run.lines.some((l) => l.includes("session.closed")), "the device saw its session end");
    run.stop();
  });
});
