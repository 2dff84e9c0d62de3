// `npm run stack -- --faults`: fault proxies in front of the discovery broker and the cloud broker,
// driven by lines on stdin, e.g. `cloud down`, `cloud heal`, `discovery blackhole up`,
// `cloud delay 500 down`, `cloud freeze`, `cloud reset`, `cloud restart 5000` (sessions lost).
import { createInterface } from "node:readline";
import { FaultProxy, type Direction } from "./fault-proxy";
import type { Stack } from "./index";
import type { StackLog } from "./log";

export const FAULTS_HELP = "<discovery|cloud> down|refuse|reset|heal|blackhole [up|down|both]|freeze [dir]|delay MS [dir]|restart [MS]";

export async function cloudFaultProxy(port: number | undefined, log: StackLog): Promise<FaultProxy> {
  return FaultProxy.start({ target: { host: "127.0.0.1", port: 1 }, port, onFault: (f) => log("faults", "cloud", { fault: f }) });
}

/** Points `cloud` at the stack's cloud broker, starts the discovery proxy and reads commands from stdin. */
export async function startFaultConsole(stack: Stack, cloud: FaultProxy, discoveryPort: number | undefined, log: StackLog): Promise<{ discovery: FaultProxy; close(): Promise<void> }> {
  cloud.retarget({ host: stack.host, port: stack.cloud.port });
  const discovery = await FaultProxy.start({ target: { host: stack.host, port: stack.discovery.mqttPort }, port: discoveryPort, onFault: (f) => log("faults", "discovery", { fault: f }) });
  const proxies: Record<string, FaultProxy> = { discovery, cloud };
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const [which = "", verb = "", a1, a2] = line.trim().split(/\s+/);
    const p = proxies[which];
    const dir = (v: string | undefined): Direction => (v === "up" || v === "down" ? v : "both");
    const done = (e?: unknown) => { if (e) log("faults", "command_failed", { command: line, reason: (e as Error).message }); };
    if (!p) { if (line.trim()) log("faults", "usage", { commands: FAULTS_HELP }); return; }
    switch (verb) {
      case "down": void p.down().then(() => done(), done); return;
      case "refuse": void p.refuse().then(() => done(), done); return;
      case "reset": p.reset(); return;
      case "heal": void p.heal().then(() => done(), done); return;
      case "blackhole": p.blackhole(dir(a1)); return;
      case "freeze": p.freeze(dir(a1)); return;
      case "delay": p.delay(Number(a1) || 0, dir(a2)); return;
      case "restart": void stack.restartBroker(which as "discovery" | "cloud", Number(a1) || 0).then(() => done(), done); return;
      default: log("faults", "usage", { commands: FAULTS_HELP });
    }
  });
  return { discovery, close: async () => { rl.close(); await discovery.close(); await cloud.close(); } };
}
