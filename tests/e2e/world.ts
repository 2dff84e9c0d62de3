// An MQTT2GO world for end-to-end tests: the development stack (real TLS brokers, real mDNS on
// loopback) and the device core on Node with a persistent store in a temporary folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Phase, State } from "../../src/core/onboarding";
import type { LogRecord } from "../../src/core/ports";
import { startStack, type Stack, type StackOptions } from "../../stack/index";
import { startNodeDevice, type NodeDevice, type NodeDeviceOptions } from "../../hosts/node/device-host";
import { DEV_IDENTITY_DIR, loadUnit, type Unit } from "../../hosts/node/identity";
import type { WpsMode } from "../../hosts/node/ports/wifi";

let nextMdnsPort = 25353 + (process.pid % 1000) * 7;

export interface World {
  stack: Stack;
  unit: Unit;
  stateDir: string;
  mdnsPort: number;
  /** Boot (or reboot) the device over the same flash. */
  boot(o?: Partial<NodeDeviceOptions> & { wps?: WpsMode }): DeviceRun;
  close(): Promise<void>;
}

export interface DeviceRun {
  host: NodeDevice;
  phases: Phase[];
  lines: string[];
  records: LogRecord[];
  waitPhase(phase: Phase, timeoutMs?: number): Promise<Readonly<State>>;
  stop(): void;
}

export async function world(o: StackOptions & { unitDir?: string } = {}): Promise<World> {
  const mdnsPort = nextMdnsPort++;
  const stack = await startStack({ mdnsPort, ...o });
  const unit = loadUnit({ identityDir: o.unitDir ?? DEV_IDENTITY_DIR });
  const stateDir = mkdtempSync(join(tmpdir(), "mqtt2go-e2e-"));
  const runs: DeviceRun[] = [];
  return {
    stack, unit, stateDir, mdnsPort,
    boot(b = {}) {
      const phases: Phase[] = [];
      const lines: string[] = [];
      const records: LogRecord[] = [];
      const waiters: { phase: Phase; resolve: (s: Readonly<State>) => void }[] = [];
      const host = startNodeDevice({
        unit, stateDir, radio: stack.radio, wps: "ok",
        discovery: { host: stack.discovery.host, port: stack.discovery.mqttPort },
        mdnsPort, mdnsWindowMs: 600,
        log: (line, r) => { lines.push(line); records.push(r); if (process.env.E2E_LOG) process.stdout.write(line + "\n"); },
        onPhase: (p, s) => {
          phases.push(p);
          for (const w of [...waiters]) if (w.phase === p) { waiters.splice(waiters.indexOf(w), 1); w.resolve(s); }
        },
        ...b,
      });
      const run: DeviceRun = {
        host, phases, lines, records,
        waitPhase(phase, timeoutMs = 15_000) {
          if (host.device.phase === phase) return Promise.resolve(host.device.snapshot);
          return new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`device did not reach ${phase} within ${timeoutMs} ms (phases: ${phases.join(" → ")})\n${lines.slice(-15).join("\n")}`)), timeoutMs);
            waiters.push({ phase, resolve: (s) => { clearTimeout(t); resolve(s); } });
          });
        },
        stop: () => host.stop(),
      };
      runs.push(run);
      return run;
    },
    async close() {
      for (const r of runs) r.stop();
      await stack.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` in a fresh world and always closes it. */
export async function inWorld(o: Parameters<typeof world>[0], fn: (w: World) => Promise<void>): Promise<void> {
  const w = await world(o);
  try {
    await fn(w);
  } finally {
    await w.close();
  }
}
