// The controller page's HTTP server on 127.0.0.1: the static page (plain HTML/CSS/JS, jsQR served
// from node_modules), a small JSON API for the page's actions, and a WebSocket (`ws`) that pushes
// every change of a unit as it happens. Requests must name this server as their Host (no DNS
// rebinding) and, for the API and the socket, come from its own origin.
// An action the page asked for and that was refused (a foreign label, a unit that did not answer)
// is an answer, not a failed request: `200 {ok:false, error}` (a browser logs every non-2xx
// response as a console error). Malformed requests get their HTTP status.

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";
import { UiError, type Units, type UnitView } from "./units";

export interface UiServerOptions {
  units: Units;
  host?: string;
  /** 0 (default): an ephemeral port. */
  port?: number;
  /** Shown in the page's header, e.g. "cloud broker 127.0.0.1:8884". */
  broker: string;
}

export interface UiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024;
const PUBLIC = fileURLToPath(new URL("./public/", import.meta.url));
const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: `${PUBLIC}index.html`, type: "text/html; charset=utf-8" },
  "/app.js": { file: `${PUBLIC}app.js`, type: "text/javascript; charset=utf-8" },
  "/style.css": { file: `${PUBLIC}style.css`, type: "text/css; charset=utf-8" },
  "/vendor/jsQR.js": { file: createRequire(import.meta.url).resolve("jsqr"), type: "text/javascript; charset=utf-8" },
};
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) { reject(new UiError(415, "Send JSON.")); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      // Answered at once; the rest of the body is read and dropped so the answer reaches the client.
      if (size > MAX_BODY_BYTES) { chunks.length = 0; reject(new UiError(413, "Request too large.")); return; }
      chunks.push(c);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new UiError(400, "The request is not a JSON object."));
      }
    });
    req.on("error", reject);
  });
}

export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const host = o.host ?? "127.0.0.1";
  const { units } = o;
  let origin = "";
  const sameHost = (req: IncomingMessage): boolean => req.headers.host === origin.slice("http://".length) || req.headers.host === `localhost:${origin.split(":")[2]}`;
  const sameOrigin = (req: IncomingMessage): boolean => {
    const from = req.headers.origin;
    return from === undefined ? req.method === "GET" : from === origin || from === `http://localhost:${origin.split(":")[2]}`;
  };

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === "GET" && path === "/api/units") { send(res, 200, { home: units.home, gateway: units.gateway, broker: o.broker, units: units.list() }); return; }
    const m = /^\/api\/units(?:\/([A-Za-z0-9_.-]{1,64})\/(rename|command|about|remove|forget))?$/.exec(path);
    if (!m) { send(res, 404, { error: "No such action." }); return; }
    if (req.method !== "POST") { send(res, 405, { error: "Use POST." }); return; }
    if (!sameOrigin(req)) { send(res, 403, { error: "Cross-origin requests are refused." }); return; }
    const body = await readJson(req);
    const [, id, action] = m;
    try {
      switch (action) {
        case undefined: send(res, 200, { ok: true, deviceId: (await units.add(typeof body.payload === "string" ? body.payload : "")).deviceId }); return;
        case "rename": await units.rename(id, body.name, body.groups); send(res, 200, { ok: true }); return;
        case "command": send(res, 200, { ok: true, reply: await units.command(id, body.entity, body.type, body.value) }); return;
        case "about": await units.about(id); send(res, 200, { ok: true }); return;
        case "remove": await units.remove(id); send(res, 200, { ok: true }); return;
        default: units.forget(id); send(res, 200, { ok: true });
      }
    } catch (err) {
      if (!(err instanceof UiError)) throw err;
      send(res, 200, { ok: false, error: err.message, refused: err.status });
    }
  }

  const http: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://page").pathname;
    if (!sameHost(req)) { send(res, 421, { error: "Wrong Host header." }); return; }
    if (path.startsWith("/api/")) {
      api(req, res, path).catch((err: Error) => {
        if (res.headersSent) return;
        if (err instanceof UiError) send(res, err.status, { error: err.message }); // malformed request body
        else send(res, 500, { error: `Internal error: ${err.message}` });
      });
      return;
    }
    const s = STATIC[path];
    if (!s || req.method !== "GET") { send(res, 404, { error: "Not found." }); return; }
    res.writeHead(200, { "content-type": s.type, ...SECURITY_HEADERS });
    res.end(readFileSync(s.file));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  http.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://page").pathname !== "/events" || !sameHost(req) || !sameOrigin(req)) {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  wss.on("connection", (ws: WebSocket) => {
    ws.send(JSON.stringify({ type: "hello", home: units.home, gateway: units.gateway, broker: o.broker, units: units.list() }));
  });
  const unsubscribe = units.subscribe((deviceId: string, unit: UnitView | undefined) => {
    const text = JSON.stringify(unit ? { type: "unit", unit } : { type: "gone", deviceId });
    for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(o.port ?? 0, host, () => { http.off("error", reject); resolve(); });
  });
  const port = (http.address() as AddressInfo).port;
  origin = `http://${host}:${port}`;

  return {
    url: `${origin}/`,
    port,
    close: async () => {
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
