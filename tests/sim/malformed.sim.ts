// Malformed input on the firmware itself: the real XS engine (which parses JSON recursively in C),
// Moddable's MQTT client and TLS, on the desktop simulator (npm run test:faults; needs $MODDABLE).
// The catalog of tests/malformed-catalog.ts (≥ 130 payloads per inbound kind: bad JSON, binary,
// 1 MB, 2,000-deep nesting within 4 KiB, __proto__, wrong types) is published to the device:
//   1. while it keeps asking the discovery server (not added yet: unknown_activation_code), on
//      `<AC>/activation/in`: the credentials, broker_data and Wi-Fi kinds;
//   2. once operational, on `<DID>/home/in` (home_prefix and rename kinds, injected at the cloud
//      broker) and on its entity topics (command, about, remove) plus look-alike topics, from the
//      controller.
// After each batch the device must still be alive and in the same phase; at the end a command must
// be confirmed, and no line may show an XS abort. Binary entries travel as the UTF-8 of their
// chars (the stack's publish API is text). Exit 0 on success, 1 otherwise.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Stack } from "../../stack/index";
import type { Controller } from "../../stack/controller";
import { type InboundKind, lookAlikeTopics, malformedFor } from "../malformed-catalog";
import { ROOT, SimRun, buildFirmware, missingTools, sdk } from "./mcsim";

const CERTS_DIR = join(ROOT, "certs/dev");
const IDENTITY_DIR = join(CERTS_DIR, "identities/dev-socket-0001");
const say = (s: string): void => void process.stdout.write(`[sim-malformed] ${s}\n`);
const fail = (m: string): never => { throw new Error(m); };
const ABORT = /XS abort|unhandled exception|stack overflow|memory full/i;

async function main(): Promise<void> {
  const s = sdk();
  if (!s) { say("SKIP: $MODDABLE is not set"); return; }
  const missing = missingTools();
  if (missing.length) fail(`missing tools: ${missing.join(", ")}`);
  const id = JSON.parse(readFileSync(join(IDENTITY_DIR, "identity.json"), "utf8")) as { device_id: string; activation_code: string; device_type: string };
  const did = id.device_id, ac = id.activation_code;
  let stack: Stack | undefined;
  let controller: Controller | undefined;
  let run: SimRun | undefined;
  const counts: string[] = [];
  try {
    stack = await startStack({ certsDir: CERTS_DIR });
    const build = buildFirmware(s, join(ROOT, "build/mcconfig-malformed"), { discovery: `127.0.0.1:${stack.discovery.mqttPort}`, sim_wps_delay_ms: 100, mdns_window_ms: 500 }, [],
      { MQTT2GO_CA: join(CERTS_DIR, "ca"), MQTT2GO_IDENTITY: IDENTITY_DIR });
    if (!build.ok) fail(`mcconfig failed: ${build.output.split("\n").slice(-20).join("\n")}`);
    run = new SimRun(s, { so: build.so, cwd: mkdtempSync(join(tmpdir(), "mqtt2go-sim-")), limitS: 900 });
    const alive = (what: string): void => {
      const bad = run?.lines.find((l) => ABORT.test(l.text));
      if (bad) fail(`${what}: the engine aborted: ${bad.text.trim()}`);
    };

    // 1. Activation: the unit was not added, so it keeps asking the discovery server.
    await run.waitFor(/request\.sent/, 60_000);
    for (const kind of ["credentials", "broker_data", "wifi"] as InboundKind[]) {
      const entries = malformedFor(kind, did);
      const from = run.lines.length;
      for (const m of entries) await stack.inject("discovery", `${ac}/activation/in`, m.payload);
      // A marker after the batch: the next request proves the device is still running its loop.
      await run.waitFor(/request\.sent/, 90_000, from);
      alive(`activation/in ${kind}`);
      counts.push(`${kind}: ${entries.length} payloads on <AC>/activation/in`);
      say(counts[counts.length - 1] ?? "");
    }

    // Now add it: it onboards as if nothing happened.
    controller = await stack.controller("cloud");
    await controller.addDevice({ activationCode: ac, deviceId: did, deviceType: id.device_type });
    await run.waitFor(/ operational home=/, 120_000);
    const P = `${controller.home}/${controller.gateway}/${did}`;

    // 2. Operational: home/in, entity topics, look-alike topics.
    for (const kind of ["home_prefix", "rename"] as InboundKind[]) {
      const entries = malformedFor(kind, did);
      for (const m of entries) await stack.inject("cloud", `${did}/home/in`, m.payload);
      counts.push(`${kind}: ${entries.length} payloads on <DID>/home/in`);
      say(counts[counts.length - 1] ?? "");
    }
    for (const [kind, entity] of [["command", "switch"], ["about", "about"], ["remove", "remove"]] as [InboundKind, string][]) {
      const entries = malformedFor(kind, did);
      for (const m of entries) await controller.publish(`${P}/${entity}/in`, m.payload);
      counts.push(`${kind}: ${entries.length} payloads on ${entity}/in`);
      say(counts[counts.length - 1] ?? "");
    }
    const topics = lookAlikeTopics(P, did, ac).filter((t) => t.startsWith(`${controller?.home}/${controller?.gateway}/`) && !/[+#]/.test(t));
    for (const t of topics) await controller.publish(t, JSON.stringify({ timestamp: 1, type: "set", value: "on" }));
    counts.push(`look-alike topics the controller may publish: ${topics.length}`);
    say(counts[counts.length - 1] ?? "");

    const reply = await controller.command(did, "switch", "query", "switch", 60_000);
    if (reply.kind !== "confirmation") fail(`the device no longer answers: ${JSON.stringify(reply)}`);
    alive("operational topics");
    const boots = run.lines.filter((l) => /boot\.(un)?provisioned/.test(l.text)).length;
    if (boots !== 1) fail(`the device booted ${boots} times`);
    say(`PASS: the device is alive and operational after ${counts.length} batches (${counts.join("; ")})`);
  } finally {
    await run?.stop().catch(() => undefined);
    await controller?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
  }
}

main().then(
  () => { process.exitCode = 0; },
  (err: unknown) => { say(`FAIL: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
