// Malformed input on the firmware itself: the real XS engine (which parses JSON recursively in C),
// Moddable's MQTT client and TLS, on the desktop simulator (npm run test:faults; needs $MODDABLE).
// The catalog of tests/malformed-catalog.ts (≥ 130 payloads per inbound kind: bad JSON, binary,
// 1 MB, 2,000-deep nesting within 4 KiB, __proto__, wrong types) is published to the device:
//   1. while it keeps asking the discovery server (not added yet: unknown_activation_code), on
//      `<AC>/activation/in`: the credentials, broker_data and Wi-Fi kinds (a unit in cloud
//      activation reads every message there as a broker_data reply);
//   2. once operational, on `<DID>/home/in` (home_prefix and rename kinds, injected at the cloud
//      broker) and on its entity topics (command, about, remove) plus look-alike topics, from the
//      controller.
// Entries that are in fact valid messages for the state (tests/malformed-accepted.ts: a user name
// "a/b", `remove` with value true) are left out, as in the Node suite: a valid broker_data sends
// the unit to a made-up broker, a valid remove factory-resets it. Binary entries go as raw bytes.
// Each refused payload must give exactly one refusal line (activation, home/in) or exactly one
// error report on `<entity>/out` (PROTOCOL §8), nothing else may change (no record write, no new
// session, no boot); at the end a command must be confirmed and no line may show an XS abort.
// Exit 0 on success, 1 otherwise. SIM_ECHO=1 echoes the device log.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Stack } from "../../stack/index";
import type { Controller } from "../../stack/controller";
import { REFUSED_MAX_MS } from "../../src/core/onboarding";
import { acceptedAs } from "../malformed-accepted";
import { type InboundKind, type Malformed, lookAlikeTopics, malformedFor } from "../malformed-catalog";
import { ROOT, SimRun, buildFirmware, missingTools, sdk } from "./mcsim";

const CERTS_DIR = join(ROOT, "certs/dev");
const IDENTITY_DIR = join(CERTS_DIR, "identities/dev-socket-0001");
const MIN_PER_KIND = 130;
const say = (s: string): void => void process.stdout.write(`[sim-malformed] ${s}\n`);
const fail = (m: string): never => { throw new Error(m); };
const ABORT = /XS abort|unhandled exception|stack overflow|memory full/i;
/** Lines that would mean a refused payload changed something. */
const CHANGED = /record\.commit|reply\.(broker_data|credentials|wifi)|home_prefix\.received|renamed |command\.applied| remove$|factory_reset|boot\.(un)?provisioned/;
/** Refusal lines on the activation topic and on `<DID>/home/in`. */
const ACTIVATION_REFUSAL = /\b(reply\.invalid|reply\.ignored)\b/;
const HOME_REFUSAL = /\b(reply\.invalid what=home|home\.invalid|home_prefix\.ignored|rename\.ignored)\b/;
/**
 * After the unit is added it asks again within REFUSED_MAX_MS (the unknown_activation_code re-request
 * backs off to 60 s, PROTOCOL §6); then TLS to the operational broker and the home prefix (§7):
 * 60 s more is ample for XS TLS on a loaded machine.
 */
const OPERATIONAL_AFTER_ADD_MS = REFUSED_MAX_MS + 60_000;
/** XS TLS reads 1 MB slowly on a loaded machine: time for a batch with two 1 MB payloads. */
const BATCH_MS = 180_000;

const bytesOf = (m: Malformed): string | Uint8Array => (m.binary ? Buffer.from(m.payload, "latin1") : m.payload);

interface Count { kind: string; topic: string; catalog: number; sent: number; refused: number; how: string }

async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) fail(what());
    await new Promise((r) => setTimeout(r, 250));
  }
}

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
  const counts: Count[] = [];
  const t0 = Date.now();
  const since = (): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  try {
    stack = await startStack({ certsDir: CERTS_DIR });
    const build = buildFirmware(s, join(ROOT, "build/mcconfig-malformed"), { discovery: `127.0.0.1:${stack.discovery.mqttPort}`, sim_wps_delay_ms: 100, mdns_window_ms: 500 }, [],
      { MQTT2GO_CA: join(CERTS_DIR, "ca"), MQTT2GO_IDENTITY: IDENTITY_DIR });
    if (!build.ok) fail(`mcconfig failed: ${build.output.split("\n").slice(-20).join("\n")}`);
    say(`built in ${(build.ms / 1000).toFixed(1)} s`);
    run = new SimRun(s, { so: build.so, cwd: mkdtempSync(join(tmpdir(), "mqtt2go-sim-")), limitS: 1500, echo: process.env.SIM_ECHO ? "[sim] " : undefined });
    const r = run;
    const alive = (what: string): void => {
      const bad = r.lines.find((l) => ABORT.test(l.text));
      if (bad) fail(`${what}: the engine aborted: ${bad.text.trim()}`);
    };
    const unchanged = (what: string, from: number, changed = CHANGED): void => {
      const bad = r.lines.slice(from).find((l) => changed.test(l.text));
      if (bad) fail(`${what}: a refused payload changed something: ${bad.text.trim()}`);
    };
    const matching = (re: RegExp, from: number): number => r.lines.slice(from).filter((l) => re.test(l.text)).length;
    const pick = (kind: InboundKind, as: InboundKind): { catalog: number; entries: Malformed[] } => {
      const all = malformedFor(kind, did);
      const entries = all.filter((m) => !acceptedAs(as, m.payload));
      if (entries.length < MIN_PER_KIND) fail(`${kind}: only ${entries.length} malformed payloads`);
      return { catalog: all.length, entries };
    };
    const record = (c: Count): void => { counts.push(c); say(`${c.kind}: ${c.sent} sent on ${c.topic} (${c.catalog} in the catalog), ${c.refused} refused: ${c.how} (${since()})`); };

    // 1. Activation: the unit was not added, so it keeps asking the discovery server. Its log says
    // request.sent when the request is queued, before its SUBSCRIBE may have reached the broker
    // (XS TLS is slow): a payload injected then has no subscriber and is dropped (QoS 0). The
    // server's refusal arriving proves the subscription is in place.
    await run.waitFor(/reply\.refused/, 90_000);
    for (const kind of ["credentials", "broker_data", "wifi"] as InboundKind[]) {
      const { catalog, entries } = pick(kind, "broker_data");
      const from = run.lines.length;
      for (const m of entries) await stack.inject("discovery", `${ac}/activation/in`, bytesOf(m));
      await until(() => matching(ACTIVATION_REFUSAL, from) >= entries.length || r.lines.slice(from).some((l) => CHANGED.test(l.text) || ABORT.test(l.text)), BATCH_MS,
        () => `activation/in ${kind}: ${matching(ACTIVATION_REFUSAL, from)} refusal lines for ${entries.length} payloads within ${BATCH_MS} ms`);
      // A marker after the batch: the next refusal proves the device still runs its loop and its session.
      await run.waitFor(/reply\.refused/, REFUSED_MAX_MS + 30_000, run.lines.length);
      alive(`activation/in ${kind}`);
      unchanged(`activation/in ${kind}`, from);
      const refused = matching(ACTIVATION_REFUSAL, from);
      if (refused !== entries.length) fail(`activation/in ${kind}: ${refused} refusal lines for ${entries.length} payloads`);
      record({ kind, topic: "<AC>/activation/in", catalog, sent: entries.length, refused, how: "one reply.invalid line each, still in activate_cloud" });
    }
    if (matching(/ init\.connect /, 0) !== 1) fail("the activation session was dropped by malformed input");

    // Now add it: it onboards as if nothing happened.
    controller = await stack.controller("cloud");
    const c = controller;
    await controller.addDevice({ activationCode: ac, deviceId: did, deviceType: id.device_type });
    await run.waitFor(/ operational home=/, OPERATIONAL_AFTER_ADD_MS);
    say(`operational after the unit was added (${since()})`);
    const P = `${controller.home}/${controller.gateway}/${did}`;
    const first = await controller.command(did, "switch", "query", null, 60_000);
    const state = first.kind === "confirmation" ? first.value : fail(`switch query: ${JSON.stringify(first)}`);
    const other = state === "on" ? "off" : "on";

    // 2. Operational: home/in.
    for (const kind of ["home_prefix", "rename"] as InboundKind[]) {
      const { catalog, entries } = pick(kind, kind);
      const from = run.lines.length;
      for (const m of entries) await stack.inject("cloud", `${did}/home/in`, bytesOf(m));
      await until(() => matching(HOME_REFUSAL, from) >= entries.length || r.lines.slice(from).some((l) => CHANGED.test(l.text) || ABORT.test(l.text)), BATCH_MS,
        () => `home/in ${kind}: ${matching(HOME_REFUSAL, from)} refusal lines for ${entries.length} payloads within ${BATCH_MS} ms`);
      alive(`home/in ${kind}`);
      unchanged(`home/in ${kind}`, from);
      const refused = matching(HOME_REFUSAL, from);
      if (refused !== entries.length) fail(`home/in ${kind}: ${refused} refusal lines for ${entries.length} payloads`);
      record({ kind, topic: "<DID>/home/in", catalog, sent: entries.length, refused, how: "one refusal line each" });
    }

    // Entity topics: exactly one error report on <entity>/out per payload.
    for (const [kind, entity] of [["command", "switch"], ["about", "about"], ["remove", "remove"]] as [InboundKind, string][]) {
      const { catalog, entries } = pick(kind, kind);
      const out = `${P}/${entity}/out`;
      let errors = 0, others = 0;
      const stop = c.onMessage((m) => {
        if (m.topic !== out) return;
        if (m.payload.includes("\"type\":\"error\"")) errors++;
        else if (m.payload.includes("\"type\":\"command_response\"")) others++; // periodic reports may come any time

      });
      const from = run.lines.length;
      try {
        for (const m of entries) await c.publish(`${P}/${entity}/in`, bytesOf(m));
        await until(() => errors + others >= entries.length || r.lines.slice(from).some((l) => CHANGED.test(l.text) || ABORT.test(l.text)), BATCH_MS,
          () => `${entity}/in: ${errors} error reports for ${entries.length} payloads within ${BATCH_MS} ms`);
        await new Promise((res) => setTimeout(res, 2000)); // a second report for one payload would come now
      } finally {
        stop();
      }
      alive(`${entity}/in ${kind}`);
      unchanged(`${entity}/in ${kind}`, from);
      if (errors !== entries.length || others !== 0) fail(`${entity}/in: ${errors} error reports and ${others} other messages for ${entries.length} payloads`);
      record({ kind, topic: `${entity}/in`, catalog, sent: entries.length, refused: errors, how: `exactly one error report each on ${entity}/out` });
    }

    // Look-alike topics the controller may publish (no wildcards): a valid command on each is never applied.
    const topics = lookAlikeTopics(P, did, ac).filter((t) => t.startsWith(`${c.home}/${c.gateway}/`) && !/[+#]/.test(t));
    const fromTopics = run.lines.length;
    for (const t of topics) await c.publish(t, JSON.stringify({ timestamp: 1, type: "set", value: other }));
    const afterTopics = await c.command(did, "switch", "query", null, 60_000);
    if (afterTopics.kind !== "confirmation" || afterTopics.value !== state) fail(`switch changed by a look-alike topic: ${JSON.stringify(afterTopics)} (was ${JSON.stringify(state)})`);
    alive("look-alike topics");
    // The query itself is applied (it answers after every look-alike message: one connection, in order).
    const applied = matching(/command\.applied/, fromTopics);
    if (applied !== 1) fail(`${applied} commands applied during the look-alike topics and the query after them (expected the query only)`);
    unchanged("look-alike topics", fromTopics, new RegExp(CHANGED.source.replace("|command\\.applied", "")));
    record({ kind: "look-alike topics", topic: `${c.home}/${c.gateway}/…`, catalog: lookAlikeTopics(P, did, ac).length, sent: topics.length, refused: topics.length, how: "no command applied, switch state unchanged" });

    const reply = await c.command(did, "switch", "set", other, 60_000);
    if (reply.kind !== "confirmation" || reply.value !== other) fail(`the device no longer applies commands: ${JSON.stringify(reply)}`);
    alive("operational topics");
    const boots = run.lines.filter((l) => /boot\.(un)?provisioned/.test(l.text)).length;
    if (boots !== 1) fail(`the device booted ${boots} times`);
    say("per kind (sent = catalog minus entries that are valid messages for the state):");
    for (const x of counts) say(`  ${x.kind.padEnd(18)} ${String(x.sent).padStart(4)} sent  ${String(x.refused).padStart(4)} refused  on ${x.topic}`);
    say(`PASS: alive, operational and commanded after ${counts.reduce((n, x) => n + x.sent, 0)} malformed payloads (${since()})`);
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
