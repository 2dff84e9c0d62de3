// The controller page on a running stack: a controller on the home broker, the unit views fed by
// it and by the stack's events, and the page's server.

import type { Controller } from "../controller";
import type { Stack } from "../index";
import { startUiServer, type UiServer } from "./server";
import { Units } from "./units";

export interface ControllerPageOptions {
  /** Which home broker the page's controller uses (default: the gateway when the stack runs one). */
  target?: "cloud" | "gateway";
  /** A controller to share (e.g. npm start's); default: a new one from the stack. */
  controller?: Controller;
  /** Port on 127.0.0.1 (default: ephemeral). */
  port?: number;
  /** How long an action waits for the unit (default 10 s). */
  replyMs?: number;
}

export interface ControllerPage extends UiServer {
  units: Units;
}

export async function startControllerPage(stack: Stack, o: ControllerPageOptions = {}): Promise<ControllerPage> {
  const target = o.target ?? (stack.gateway ? "gateway" : "cloud");
  const controller = o.controller ?? await stack.controller(target);
  const units = new Units({ controller, ttlMs: stack.ttlMs, replyMs: o.replyMs });
  const unwatch = stack.watch(units.observe);
  const endpoint = target === "gateway" && stack.gateway ? stack.gateway : stack.cloud;
  try {
    const server = await startUiServer({ units, port: o.port, broker: `${target === "gateway" ? "local gateway" : "cloud broker"} ${endpoint.host}:${endpoint.controllerPort}` });
    return {
      ...server,
      units,
      close: async () => {
        unwatch();
        units.close();
        await server.close();
      },
    };
  } catch (err) {
    unwatch();
    units.close();
    throw err;
  }
}
