// A TCP fault proxy to put in front of any broker (TLS passes through it untouched): it forwards
// byte streams and, on demand, refuses new connections, resets live ones, or per direction
// black-holes, freezes (holds, then releases in order) or delays the bytes.
//   up = client → server, down = server → client.

import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";

export type Direction = "up" | "down" | "both";

type Flow = { kind: "pass" } | { kind: "blackhole" } | { kind: "freeze" } | { kind: "delay"; ms: number };

export interface FaultProxyOptions {
  target: { host: string; port: number };
  /** Listen address (default 127.0.0.1, ephemeral port). */
  host?: string;
  port?: number;
  /** Called once per change of fault, for logs ("refuse", "reset 3", "blackhole up", ...). */
  onFault?: (what: string) => void;
}

export interface FaultStats {
  accepted: number;
  live: number;
  resets: number;
  bytesUp: number;
  bytesDown: number;
  dropped: number;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** Chunks held by a freeze, per direction. */
  held: { up: Buffer[]; down: Buffer[] };
  /** When the last delayed chunk of each direction is due (keeps delayed bytes in order). */
  due: { up: number; down: number };
  timers: Set<NodeJS.Timeout>;
}

export class FaultProxy {
  readonly host: string;
  private server: Server;
  private listening = false;
  private refusing = false;
  private readonly pairs = new Set<Pair>();
  private readonly flow: { up: Flow; down: Flow } = { up: { kind: "pass" }, down: { kind: "pass" } };
  readonly stats: FaultStats = { accepted: 0, live: 0, resets: 0, bytesUp: 0, bytesDown: 0, dropped: 0 };
  private _port = 0;

  private constructor(private readonly o: FaultProxyOptions) {
    this.host = o.host ?? "127.0.0.1";
    this.server = this.makeServer();
  }

  static async start(o: FaultProxyOptions): Promise<FaultProxy> {
    const p = new FaultProxy(o);
    await p.listen(o.port ?? 0);
    return p;
  }

  get port(): number {
    return this._port;
  }

  get target(): { host: string; port: number } {
    return this.o.target;
  }

  /** Point new connections elsewhere (e.g. a broker started after the proxy). */
  retarget(target: { host: string; port: number }): void {
    this.o.target = target;
  }

  /** Live proxied connections. */
  get live(): number {
    return this.pairs.size;
  }

  private makeServer(): Server {
    const server = createServer((client) => this.accept(client));
    server.on("error", () => {});
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, this.host, () => {
        this.server.off("error", reject);
        this._port = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private note(what: string): void {
    this.o.onFault?.(what);
  }

  private accept(client: Socket): void {
    if (this.refusing) { client.resetAndDestroy(); return; }
    this.stats.accepted++;
    client.setNoDelay(true);
    const server = connect({ host: this.o.target.host, port: this.o.target.port });
    server.setNoDelay(true);
    const pair: Pair = { client, server, held: { up: [], down: [] }, due: { up: 0, down: 0 }, timers: new Set() };
    this.pairs.add(pair);
    this.stats.live = this.pairs.size;
    client.on("data", (c: Buffer) => this.forward(pair, "up", c));
    server.on("data", (c: Buffer) => this.forward(pair, "down", c));
    const drop = (): void => {
      if (!this.pairs.delete(pair)) return;
      this.stats.live = this.pairs.size;
      for (const t of pair.timers) clearTimeout(t);
      client.destroy();
      server.destroy();
    };
    // An ended or failed side ends the other, unless that direction is black-holed or frozen:
    // then the peer sees nothing, as behind a dead link.
    client.on("close", () => { if (this.flow.up.kind === "pass" || this.flow.up.kind === "delay") drop(); });
    server.on("close", () => { if (this.flow.down.kind === "pass" || this.flow.down.kind === "delay") drop(); else server.removeAllListeners("data"); });
    client.on("error", () => {});
    server.on("error", () => client.resetAndDestroy());
  }

  private forward(pair: Pair, dir: "up" | "down", chunk: Buffer): void {
    const to = dir === "up" ? pair.server : pair.client;
    const flow = this.flow[dir];
    if (flow.kind === "blackhole") { this.stats.dropped += chunk.length; return; }
    if (flow.kind === "freeze") { pair.held[dir].push(chunk); return; }
    if (dir === "up") this.stats.bytesUp += chunk.length; else this.stats.bytesDown += chunk.length;
    if (flow.kind === "pass" && pair.due[dir] <= Date.now()) { to.write(chunk); return; }
    const ms = flow.kind === "delay" ? flow.ms : 0;
    const at = Math.max(Date.now() + ms, pair.due[dir]);
    pair.due[dir] = at;
    const t = setTimeout(() => { pair.timers.delete(t); if (!to.destroyed) to.write(chunk); }, at - Date.now());
    pair.timers.add(t);
  }

  private setFlow(dir: Direction, flow: Flow): void {
    for (const d of dir === "both" ? (["up", "down"] as const) : [dir]) this.flow[d] = flow;
    this.note(flow.kind === "delay" ? `delay ${flow.ms} ms ${dir}` : `${flow.kind} ${dir}`);
  }

  /** New connections are refused (nothing listens on the port); live ones stay. */
  async refuse(): Promise<void> {
    this.refusing = true;
    if (this.listening) {
      this.listening = false;
      // close() stops listening at once; its callback would wait for the live connections.
      const old = this.server;
      await new Promise<void>((resolve) => { old.once("close", resolve); old.close(); setImmediate(resolve); });
      this.server = this.makeServer();
    }
    this.note("refuse");
  }

  /** Every live connection is reset (TCP RST to both sides). */
  reset(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) {
      this.pairs.delete(p);
      for (const t of p.timers) clearTimeout(t);
      p.client.resetAndDestroy();
      p.server.resetAndDestroy();
    }
    this.stats.live = 0;
    this.stats.resets += n;
    this.note(`reset ${n}`);
    return n;
  }

  /** The broker is gone: refuse new connections and reset the live ones. */
  async down(): Promise<void> {
    await this.refuse();
    this.reset();
  }

  /** Bytes in `dir` are silently dropped; connections stay open. */
  blackhole(dir: Direction = "both"): void {
    this.setFlow(dir, { kind: "blackhole" });
  }

  /** Bytes in `dir` are held; `heal()` releases them in order. */
  freeze(dir: Direction = "both"): void {
    this.setFlow(dir, { kind: "freeze" });
  }

  /** Bytes in `dir` arrive `ms` late, in order. */
  delay(ms: number, dir: Direction = "both"): void {
    this.setFlow(dir, { kind: "delay", ms });
  }

  /** Back to normal: accept again, forward both ways, release frozen bytes. */
  async heal(): Promise<void> {
    this.refusing = false;
    if (!this.listening) await this.listen(this._port);
    this.flow.up = { kind: "pass" };
    this.flow.down = { kind: "pass" };
    for (const p of this.pairs) {
      for (const dir of ["up", "down"] as const) {
        const held = p.held[dir].splice(0);
        for (const c of held) this.forward(p, dir, c);
      }
    }
    this.note("heal");
  }

  async close(): Promise<void> {
    this.reset();
    if (this.listening) {
      this.listening = false;
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }
}
