// At least 130 malformed payloads per inbound topic kind, and look-alike topics, through the real
// Device runtime (reducer, record, entity model, logger) on Node and on XS: each one leaves the
// state, the flash, the sessions and the timers as they were, and yields at most one error report
// (exactly one on an entity topic), and a log line.
import { assert, equal, say, test } from "../harness";
import { INBOUND_KINDS, lookAlikeTopics, malformedFor } from "../malformed-catalog";
import { P, acceptedAs, awaiting, deliverUnchanged, isEntityKind } from "./inbound-kit";
import { AC, DID } from "./onboarding-kit";

const MIN_PER_KIND = 130;

for (const kind of INBOUND_KINDS) {
  test(`${kind}: at least ${MIN_PER_KIND} malformed payloads change nothing, at most one error report each`, () => {
    const { p, d, topic } = awaiting(kind);
    const phase = d.phase;
    const entries = malformedFor(kind, DID).filter((m) => !acceptedAs(kind, m.payload));
    assert(entries.length >= MIN_PER_KIND, `${entries.length} malformed payloads for ${kind}`);
    let reports = 0;
    for (const m of entries) reports += deliverUnchanged(p, d, topic, m.payload, isEntityKind(kind) ? 1 : 0, `${kind} "${m.label}"`);
    if (isEntityKind(kind)) equal(reports, entries.length, "exactly one error report per malformed command");
    equal(d.phase, phase);
    equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
    say(`${kind}: ${entries.length} malformed payloads refused, ${reports} error reports`);
  });
}

test("look-alike topics: a valid command on any of them changes nothing and is never applied", () => {
  const { p, d } = awaiting("command");
  const topics = lookAlikeTopics(P, DID, AC);
  assert(topics.length >= MIN_PER_KIND, `${topics.length} look-alike topics`);
  let reports = 0;
  for (const t of topics) reports += deliverUnchanged(p, d, t, JSON.stringify({ timestamp: 1, type: "set", value: "on" }), 1, `topic ${JSON.stringify(t)}`);
  assert(!p.lines.some((l) => l.event === "command.applied"), "no command applied from a look-alike topic");
  say(`look-alike topics: ${topics.length} refused, ${reports} error reports (well-formed topics of unknown entities)`);
});

test("the catalog has what the suite promises: 1 MB, 2,000-deep nesting within 4 KiB, binary, __proto__", () => {
  const all = malformedFor("command", DID);
  assert(all.some((m) => m.payload.length >= 1 << 20), "1 MB");
  assert(all.some((m) => m.payload.length <= 4096 && m.payload.startsWith("[".repeat(2000))), "2,000-deep within 4 KiB");
  assert(all.some((m) => m.binary === true), "binary");
  assert(all.some((m) => m.payload.includes("__proto__")), "__proto__");
});
