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
import { CredentialStore } from "../../src/core/record";
import { fileStore } from "../../hosts/node/ports/store";
import { lineLog } from "../../stack/log";
import { openTestLog, type TestLog } from "./log-files";

let nextMdnsPort = 25353 + (process.pid % 1000) * 7;

export interface World {
  stack: Stack;
  unit: Unit;
  stateDir: string;
  mdnsPort: number;
  /** Boot (or reboot) the device over the same flash. */
  boot(o?: Partial<NodeDeviceOptions> & { wps?: WpsMode }): DeviceRun;
  /** The file every device and stack log line of this world goes to (scanned for secrets). */
  testLog: TestLog;
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
  const testLog = openTestLog(process.argv[1]?.split("/").pop()?.replace(/\.test\.ts$/, "") || "world");
  const fileLog = lineLog((l) => testLog.line(l));
  const given = o.log;
  const stack = await startStack({ mdnsPort, ...o, log: given ? (c, e, f) => { fileLog(c, e, f); given(c, e, f); } : fileLog });
  const unit = loadUnit({ identityDir: o.unitDir ?? DEV_IDENTITY_DIR });
  const stateDir = mkdtempSync(join(tmpdir(), "mqtt2go-e2e-"));
  const runs: DeviceRun[] = [];
  return {
    stack, unit, stateDir, mdnsPort, testLog,
    boot(b = {}) {
      const phases: Phase[] = [];
      const lines: string[] = [];
      const records: LogRecord[] = [];
      const waiters: { phase: Phase; resolve: (s: Readonly<State>) => void }[] = [];
      const host = startNodeDevice({
        unit, stateDir, radio: stack.radio, wps: "ok",
        discovery: { host: stack.discovery.host, port: stack.discovery.mqttPort },
        mdnsPort, mdnsWindowMs: 600,
        log: (line, r) => { lines.push(line); records.push(r); testLog.line(line); if (process.env.E2E_LOG) process.stdout.write(line + "\n"); },
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
      recordSecrets(testLog, stack, unit, stateDir);
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

/** The secrets a world handled: the unit's code, the home Wi-Fi passphrase, issued passwords. */
function recordSecrets(log: TestLog, stack: Stack, unit: Unit, stateDir: string): void {
  log.secret(unit.identity.activationCode);
  log.secret(stack.radio.homePassword);
  // key material: a run of the factory key's base64 body
  log.secret(unit.tls.keyPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "").slice(20, 60));
  for (const a of [stack.cloud.accounts.get(unit.identity.deviceId), stack.gateway?.accounts.get(unit.identity.deviceId)]) log.secret(a?.password);
  try {
    const r = new CredentialStore(fileStore(stateDir)).load().record;
    log.secret(r?.password);
    log.secret(r?.wifi?.password);
  } catch { /* no record */ }
}
