// Eclipse Mosquitto (the Debian package) as one of the stack's brokers, instead of embedded aedes.
// Two TLS listeners: the device listener (client certificates from the CA; per-device accounts in
// a password file and per-user ACL rules, or, for init sessions, ACL patterns on the username)
// and the service listener (no client certificate; the stack's own service client and the
// controllers, by password). The stack's service logic is an ordinary MQTT client there.
// Account changes are written to the files and loaded with SIGHUP, coalesced, paced and awaited.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { randomSecret } from "./accounts";
import type { MqttBroker, ServerTls } from "./broker";
import type { StackLog } from "./log";

/** `MQTT2GO_MOSQUITTO_LOG=DIR`: each broker's own log (every connect, with its time) goes to DIR/mosquitto-<name>.log. */
const LOG_DIR = process.env.MQTT2GO_MOSQUITTO_LOG;

export const MOSQUITTO_BIN = process.env.MOSQUITTO ?? "/usr/sbin/mosquitto";

/** True when the mosquitto binary runs here (tests skip the mosquitto backend otherwise). */
export function mosquittoAvailable(): boolean {
  const r = spawnSync(MOSQUITTO_BIN, ["-h"], { encoding: "utf8" });
  return !r.error && /mosquitto version 2\./.test((r.stdout ?? "") + (r.stderr ?? ""));
}

/** TLS 1.2 suites of broker.ts's list in OpenSSL's spelling (TLS 1.3 keeps OpenSSL's defaults). */
const TLS12_CIPHERS = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES128-SHA";

export type Access = "read" | "write" | "readwrite";
export interface AclRule { access: Access; topic: string }

export interface MosquittoUser { password: string; rules: readonly AclRule[] }

export interface MosquittoOptions {
  name: string;
  host: string;
  /** Device listener port (0: a free one). */
  port: number;
  tls: ServerTls;
  /**
   * Device listener login: `password` (password file + per-user ACL rules) or `any-username`
   * (init sessions: any user name, no password, confined by `patterns` with `%u`/`%c`).
   */
  deviceLogin: "password" | "any-username";
  /** ACL patterns on the device listener, for every user (`%u` user name, `%c` client id). */
  patterns?: readonly AclRule[];
  /** Filters the stack's service client subscribes; every message reaches `onMessage`. */
  serviceTopics: readonly string[];
  onMessage(topic: string, payload: string): void;
  log: StackLog;
}

export interface Mosquitto extends MqttBroker {
  /** The service listener (controllers log in here with their password). */
  servicePort: number;
  /** Add or replace device-listener users; resolves once mosquitto has loaded them. */
  setUsers(users: ReadonlyMap<string, MosquittoUser>): Promise<void>;
  removeUsers(names: readonly string[]): Promise<void>;
  /** Service-listener users (controllers), besides the stack's own service client. */
  setServiceUsers(users: ReadonlyMap<string, MosquittoUser>): Promise<void>;
  /** Stop the broker process and start it again (every session drops; accounts stay). */
  restart(opts?: { downMs?: number }): Promise<void>;
  pid(): number | undefined;
  /** Account reloads so far: how many, and how long each kept the broker busy (ms, from SIGHUP to the barrier's PUBACK). */
  reloads(): { count: number; total_ms: number; max_ms: number };
}

/** A mosquitto password-file line: `$6$` (salted SHA-512), cheap to check at every connect and reload. */
export function passwordLine(user: string, password: string): string {
  const salt = randomBytes(12);
  const hash = createHash("sha512").update(password).update(salt).digest();
  return `${user}:$6$${salt.toString("base64")}$${hash.toString("base64")}`;
}

function aclUserBlock(user: string, rules: readonly AclRule[]): string {
  return `user ${user}\n${rules.map((r) => `topic ${r.access} ${r.topic}\n`).join("")}`;
}

const SAFE_NAME = /^[A-Za-z0-9_.-]{1,80}$/;
const SAFE_TOPIC = /^[^\s\0]{1,300}$/;

function checkUser(name: string, u: MosquittoUser): void {
  if (!SAFE_NAME.test(name)) throw new Error(`mosquitto user name ${JSON.stringify(name)} is not allowed`);
  for (const r of u.rules) if (!SAFE_TOPIC.test(r.topic)) throw new Error("ACL topic not allowed");
}

export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startMosquitto(o: MosquittoOptions): Promise<Mosquitto> {
  const log = (event: string, fields?: Record<string, string | number | boolean | undefined>): void => o.log(o.name, event, fields);
  const dir = mkdtempSync(join(tmpdir(), `mqtt2go-${o.name}-`));
  const file = (n: string): string => join(dir, n);
  writeFileSync(file("server-chain.pem"), o.tls.chainPem);
  writeFileSync(file("server.key.pem"), o.tls.keyPem, { mode: 0o600 });
  writeFileSync(file("ca.pem"), o.tls.caPem);
  const port = o.port || await freePort(o.host);
  const servicePort = await freePort(o.host);
  const serviceUser = "stack-service";
  const servicePassword = randomSecret();
  const devices = new Map<string, MosquittoUser>();
  /** Each user's password-file line and ACL block, made once (a reload rewrites thousands). */
  const lines = new Map<MosquittoUser, { pw: string; acl: string }>();
  const linesOf = (n: string, u: MosquittoUser): { pw: string; acl: string } => {
    let l = lines.get(u);
    if (!l) { l = { pw: passwordLine(n, u.password) + "\n", acl: aclUserBlock(n, u.rules) }; lines.set(u, l); }
    return l;
  };
  const services = new Map<string, MosquittoUser>();

  const tlsLines = (requireCert: boolean): string => [
    `certfile ${file("server-chain.pem")}`, `keyfile ${file("server.key.pem")}`, `cafile ${file("ca.pem")}`,
    `require_certificate ${requireCert}`, `ciphers ${TLS12_CIPHERS}`,
  ].join("\n");
  writeFileSync(file("mosquitto.conf"), [
    "per_listener_settings true", "persistence false", "log_dest stderr", "log_type error", "log_type warning", "log_type notice", "log_type information",
    // Started by root (CI) it would switch to the `mosquitto` user, who cannot read this private folder.
    ...(process.getuid?.() === 0 ? ["user root"] : []),
    // Kept for diagnosis (MQTT2GO_MOSQUITTO_LOG): every connect and disconnect, with its time.
    // (Not on the discovery broker: its user names are activation codes.)
    ...(LOG_DIR ? ["log_timestamp true", "log_timestamp_format %H:%M:%S"] : ["log_timestamp false"]),
    `connection_messages ${Boolean(LOG_DIR) && o.deviceLogin === "password"}`,
    "set_tcp_nodelay true", "max_keepalive 65535",
    `listener ${port} ${o.host}`, tlsLines(true),
    o.deviceLogin === "password" ? `allow_anonymous false\npassword_file ${file("devices.pw")}` : "allow_anonymous true",
    `acl_file ${file("devices.acl")}`,
    `listener ${servicePort} ${o.host}`, tlsLines(false),
    "allow_anonymous false", `password_file ${file("service.pw")}`, `acl_file ${file("service.acl")}`,
    "",
  ].join("\n"));

  function writeFiles(): void {
    const patterns = (o.patterns ?? []).map((r) => `pattern ${r.access} ${r.topic}\n`).join("");
    const dev = [...devices].map(([n, u]) => linesOf(n, u));
    writeFileSync(file("devices.acl"), patterns + dev.map((l) => l.acl).join(""));
    writeFileSync(file("devices.pw"), dev.map((l) => l.pw).join(""), { mode: 0o600 });
    const all = new Map<string, MosquittoUser>([[serviceUser, { password: servicePassword, rules: [{ access: "readwrite", topic: "#" }] }], ...services]);
    writeFileSync(file("service.acl"), [...all].map(([n, u]) => aclUserBlock(n, u.rules)).join(""));
    writeFileSync(file("service.pw"), [...all].map(([n, u]) => passwordLine(n, u.password) + "\n").join(""), { mode: 0o600 });
  }
  writeFiles();

  let child: ChildProcess | undefined;
  let stderrTail = "";
  let listening = new Set<number>();
  let onListening: (() => void) | undefined;
  const reloadWaiters: (() => void)[] = [];
  const killOnExit = (): void => { child?.kill("SIGKILL"); };
  process.once("exit", killOnExit);

  /**
   * Starts mosquitto, or (`after`) replaces a running one: a shell kills it, waits for it to exit
   * and execs the new broker itself (same pid as the shell), so the port is free only as long as
   * mosquitto needs to stop and start, not as long as this process's event loop needs to notice the
   * exit and spawn — during a fleet's reconnect storm that loop is the busiest thing on the machine.
   */
  async function spawnBroker(after?: { pid: number; downMs: number }): Promise<void> {
    const c = after
      ? spawn("sh", ["-c", RESPAWN, "mosquitto-respawn", String(after.pid), (after.downMs / 1000).toFixed(3), MOSQUITTO_BIN, file("mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] })
      : spawn(MOSQUITTO_BIN, ["-c", file("mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    child = c;
    c.stderr.setEncoding("utf8");
    c.stderr.on("data", (d: string) => {
      stderrTail = (stderrTail + d).slice(-4000);
      if (LOG_DIR) appendFileSync(join(LOG_DIR, `mosquitto-${o.name}.log`), d);
      for (const line of d.split("\n")) {
        const open = /Opening ipv[46] listen socket on port (\d+)/.exec(line);
        if (open) { listening.add(Number(open[1])); onListening?.(); }
        else if (line.includes("Reloading config")) reloadWaiters.splice(0).forEach((w) => w());
        else if (/error|warning/i.test(line) && !/should not be run as root|unexpected eof while reading|Client \S+ disconnected|Client connection from|Socket error on client/.test(line)) log("mosquitto", { line: line.trim().slice(0, 200) });
      }
    });
    listening = new Set();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail("did not open its listeners within 60 s"), 60_000);
      const settle = (): void => { clearTimeout(timer); c.removeListener("exit", exited); if (onListening === ready) onListening = undefined; };
      const fail = (why: string): void => { settle(); reject(new Error(`mosquitto ${why}: ${stderrTail.trim().split("\n").slice(-3).join(" | ")}`)); };
      const exited = (): void => fail("exited");
      const ready = (): void => { if (listening.has(port) && listening.has(servicePort)) { settle(); resolve(); } };
      c.once("exit", exited);
      onListening = ready;
    });
    c.on("exit", (code, signal) => { if (child === c) { child = undefined; log("exited", { code: code ?? undefined, signal: signal ?? undefined }); } });
  }

  let service: MqttClient | undefined;
  /**
   * The stack's own client. It reconnects by itself (and resubscribes) whenever mosquitto drops it,
   * a restart included; the stack's logic would otherwise go deaf. Its CONNACK wait is long: during a
   * reconnect storm this process's event loop can stall for seconds, and a short timer that fires
   * before the waiting CONNACK is read would drop a connection that had in fact succeeded.
   */
  async function connectService(): Promise<void> {
    const client = mqtt.connect({
      host: o.host, port: servicePort, protocol: "mqtts", ca: o.tls.caPem, rejectUnauthorized: true, servername: "localhost",
      username: serviceUser, password: servicePassword, clientId: `${o.name}-service-${randomSecret(4)}`, protocolVersion: 4, clean: true,
      reconnectPeriod: 250, connectTimeout: SERVICE_CONNACK_MS,
    });
    client.on("message", (topic, payload) => o.onMessage(topic, payload.toString("utf8")));
    // While a restart is under way its refused connects are expected, not news.
    client.on("error", (err) => { if (!reconnectedAt) log("service_error", { reason: err.message }); });
    client.on("offline", () => { if (service === client) log("service_offline"); });
    client.on("connect", () => { serviceConnects++; if (service === client && reconnectedAt) { log("service_reconnected", { after_ms: Math.round(performance.now() - reconnectedAt) }); reconnectedAt = 0; } });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { client.end(true); reject(new Error(`service client did not connect within ${SERVICE_CONNACK_MS / 1000} s`)); }, SERVICE_CONNACK_MS);
      client.once("connect", () => { clearTimeout(timer); resolve(); });
    });
    if (o.serviceTopics.length) await client.subscribeAsync([...o.serviceTopics], { qos: 0 });
    service = client;
  }
  let reconnectedAt = 0;

  /** CONNACKs the service client got; a restart waits for one after it began (`connected` may still be the old session's). */
  let serviceConnects = 0;
  function serviceBack(after: number, ms: number): Promise<boolean> {
    const s = service;
    if (!s || serviceConnects > after) return Promise.resolve(Boolean(s));
    return new Promise((resolve) => {
      const done = (ok: boolean): void => { clearTimeout(timer); s.removeListener("connect", onConnect); resolve(ok); };
      const onConnect = (): void => { if (serviceConnects > after) done(true); };
      const timer = setTimeout(() => done(false), ms);
      s.on("connect", onConnect);
    });
  }

  /** Writes the files and waits until mosquitto has reloaded them: a round trip after its "Reloading" line. */
  // Each change asks for a reload that starts after it; one reload serves every change made before
  // it started. A caller waits for its own reload only (not for a queue that keeps refilling).
  let requested = 0;
  let completed = 0;
  const reloadStats = { count: 0, totalMs: 0, maxMs: 0, lastMs: 0, lastEnd: 0 };
  let running = false;
  const done: { upTo: number; resolve: () => void }[] = [];
  function reload(): Promise<void> {
    const mine = ++requested;
    const p = new Promise<void>((resolve) => done.push({ upTo: mine, resolve }));
    if (!running) void loop();
    return p;
  }
  async function loop(): Promise<void> {
    running = true;
    try {
      while (completed < requested) {
        // mosquitto 2.0 serves nobody while it reloads, and its ACL-file parser scans the users read
        // so far for each `user` line: ~0.5 s at 10,000 accounts. Back-to-back reloads during a
        // fleet's onboarding kept it blocked (connack timeouts); so the next reload starts no sooner
        // than twice the last one's duration after it, and serves every change made meanwhile.
        const rest = reloadStats.lastEnd + Math.min(2 * reloadStats.lastMs, MAX_RELOAD_PAUSE_MS) - performance.now();
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
        const target = requested;
        const t0 = performance.now();
        writeFiles();
        const c = child;
        if (c) {
          const seen = new Promise<void>((resolve) => reloadWaiters.push(resolve));
          c.kill("SIGHUP");
          // mosquitto blocks signals while it waits on its sockets (up to 100 ms): a packet wakes it.
          service?.publish("stack/reload-nudge", "", { qos: 0 });
          let timer: NodeJS.Timeout | undefined;
          const logged = await Promise.race([seen.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), RELOAD_WAIT_MS); })]);
          clearTimeout(timer); // hundreds of reloads would otherwise leave as many 10 s timers pending
          // mosquitto reloads inside one pass of its single-threaded loop: a PINGREQ answered after
          // the "Reloading" line is answered after the new files are in force.
          const answered = await pingRoundTrip(service);
          const ms = performance.now() - t0;
          reloadStats.count++;
          reloadStats.totalMs += ms;
          reloadStats.maxMs = Math.max(reloadStats.maxMs, ms);
          // A wait that timed out (the service client away during a restart) says nothing of the reload's cost.
          if (logged && answered) reloadStats.lastMs = ms;
          reloadStats.lastEnd = performance.now();
        }
        completed = target;
        for (let k = done.length - 1; k >= 0; k--) if (done[k].upTo <= completed) { done[k].resolve(); done.splice(k, 1); }
      }
    } finally {
      running = false;
    }
  }

  await spawnBroker();
  await connectService();
  log("listening", { host: o.host, port, service_port: servicePort, backend: "mosquitto", client_cert: "required" });

  const broker: Mosquitto = {
    name: o.name,
    host: o.host,
    port,
    servicePort,
    publish: async (topic, payload, retain = false) => {
      if (!service) throw new Error("service client not connected");
      await service.publishAsync(topic, typeof payload === "string" ? payload : Buffer.from(payload), { qos: 0, retain });
    },
    disconnect: () => {
      // mosquitto drops a session whose account is gone or changed at the next reload (setUsers/removeUsers).
    },
    setUsers: async (users) => {
      for (const [n, u] of users) { checkUser(n, u); const old = devices.get(n); if (old) lines.delete(old); devices.set(n, u); }
      await reload();
    },
    removeUsers: async (names) => {
      for (const n of names) { const u = devices.get(n); if (u) lines.delete(u); devices.delete(n); }
      await reload();
    },
    setServiceUsers: async (users) => {
      for (const [n, u] of users) { checkUser(n, u); services.set(n, u); }
      await reload();
    },
    restart: async ({ downMs = 0 } = {}) => {
      const old = child;
      const t0 = performance.now();
      if (!old?.pid) {
        await stopChild();
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        await spawnBroker();
        await connectService();
        log("restarted", { listening_ms: Math.round(performance.now() - t0) });
        return;
      }
      // The old service client sees the drop and reconnects to the new broker by itself.
      reconnectedAt = t0;
      const connects = serviceConnects;
      await spawnBroker({ pid: old.pid, downMs });
      const listeningMs = Math.round(performance.now() - t0);
      const back = await serviceBack(connects, SERVICE_CONNACK_MS * 2);
      // Never a reason to fail: the client keeps reconnecting, and the next reload waits for it.
      log("restarted", { listening_ms: listeningMs, service_ms: back ? Math.round(performance.now() - t0) : undefined, service: back ? "connected" : "still reconnecting" });
    },
    pid: () => child?.pid,
    reloads: () => ({ count: reloadStats.count, total_ms: Math.round(reloadStats.totalMs), max_ms: Math.round(reloadStats.maxMs) }),
    close: async () => {
      await stopChild();
      process.removeListener("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
      log("closed");
    },
  };

  async function stopChild(): Promise<void> {
    const s = service;
    service = undefined;
    if (s) { s.removeAllListeners(); s.on("error", () => {}); s.end(true); }
    const c = child;
    if (!c) return;
    child = undefined;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), 3000).unref();
    });
  }
  return broker;
}

/** How long a reload waits for mosquitto's "Reloading" line, and then for its barrier PUBACK. */
const RELOAD_WAIT_MS = 10_000;
/** The longest pause between two reloads (removing an account, i.e. revoking it, waits for the next). */
const MAX_RELOAD_PAUSE_MS = 10_000;

/** The stack's service client waits this long for CONNACK per attempt (it retries after 250 ms). */
export const SERVICE_CONNACK_MS = 30_000;

// $1 old pid, $2 seconds to stay down, $3 mosquitto, $4 its config. A child this process has not
// reaped yet is a zombie ("Z" in /proc/<pid>/stat) that `kill -0` still finds: that counts as gone.
// SIGKILL 1 s after SIGTERM, timed by a sleeping killer: mosquitto 2.0 closes 10,000 TLS sessions
// one by one in about 9 s, and a loop that counted its own iterations under that load took as long.
const RESPAWN = [
  // A reload's SIGHUP may reach this shell before it execs mosquitto: ignored here (dash would die
  // of it), and back to mosquitto's own handler after the exec.
  "trap : HUP",
  'kill -TERM "$1" 2>/dev/null',
  '( sleep 1; kill -KILL "$1" 2>/dev/null ) & killer=$!',
  'while [ -e "/proc/$1" ] && ! grep -q "^[0-9]* ([^)]*) [ZX]" "/proc/$1/stat" 2>/dev/null; do',
  "  sleep 0.01",
  "done",
  'kill "$killer" 2>/dev/null',
  '[ "$2" = "0.000" ] || sleep "$2"',
  'exec "$3" -c "$4"',
].join("\n");

/** True when the barrier's PUBACK came back (false: no connected service client, or the wait timed out). */
function pingRoundTrip(client: MqttClient | undefined): Promise<boolean> {
  if (!client || !client.connected) return Promise.resolve(false);
  return new Promise((resolve) => {
    // A QoS 1 publish to a topic nobody reads: PUBACK comes back after the broker handled all before it.
    client.publish("stack/reload-barrier", "", { qos: 1 }, (err) => resolve(!err));
    setTimeout(() => resolve(false), RELOAD_WAIT_MS).unref();
  });
}
