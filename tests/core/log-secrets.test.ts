// PROTOCOL §10 / issue 8 item 2: the activation code is a topic level (`<AC>/activation/in`), so
// a log line that prints a topic must mask it; the logger masks the unit's own secrets as a backstop.
import { assert, equal, test } from "../harness";
import { createLogger, formatJson, formatText } from "../../src/core/log";
import type { LogRecord } from "../../src/core/ports";
import { FakePlatform, makeDevice, toCloudActivation } from "./device-kit";
import { AC, DID, Rig, activationRig, brokerData, creds, homePrefix } from "./onboarding-kit";

function logText(r: Rig): string {
  return r.all.filter((e) => e.kind === "log").map((e) => JSON.stringify(e)).join("\n");
}

test("log secrets: reply.ignored / reply.invalid / message.ignored never print the activation code of a topic", () => {
  const r = activationRig("local");
  r.message(`${AC}/wifi/in`, "{}"); // not awaited: reply.ignored
  r.send({ type: "mqtt_message", session: r.state.session, topic: `${AC}/activation/in`, payload: "", bytes: 5000 }); // oversized: reply.invalid
  assert(r.all.some((e) => e.kind === "log" && e.event === "reply.ignored"));
  assert(r.all.some((e) => e.kind === "log" && e.event === "reply.invalid"));
  r.message(`${AC}/activation/in`, creds());
  r.connected();
  r.message(`${AC}/activation/in`, creds()); // a duplicate answer on the operational session
  assert(r.all.some((e) => e.kind === "log" && e.event === "message.ignored"));
  const text = logText(r);
  assert(!text.includes(AC), "activation code in a log effect");
  assert(text.includes(`******${AC.slice(-2)}/activation/in`), "topic shown with the code masked");
});

test("log secrets: the runtime log never shows the code or a password even when a topic carries it", () => {
  const p = new FakePlatform();
  toCloudActivation(p);
  p.last.deliver(`${AC}/wifi/in`, "{}");
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.handlers.onConnected();
  p.last.deliver(`${AC}/activation/in`, brokerData());
  p.last.deliver(`${DID}/home/in`, homePrefix());
  const text = p.text() + "\n" + p.lines.map(formatJson).join("\n");
  for (const s of [AC, "p4ssw0rd-secret", "home-pass-123"]) assert(!text.includes(s), `log leaks ${s}`);
});

test("log secrets: the logger backstop masks the unit's own secrets inside any field, text and JSON", () => {
  const got: LogRecord[] = [];
  const secrets = ["AC7f3k9Qx2", "p4ssw0rd-secret"];
  const log = createLogger((x) => got.push(x), { uptimeMs: () => 1 }, () => "operational", () => secrets);
  log.warn("debug.dump", { topic: "AC7f3k9Qx2/activation/in", detail: "auth p4ssw0rd-secret refused", n: 3, ok: true });
  log.info("nested", { value: { inner: ["AC7f3k9Qx2"] } });
  const text = got.map(formatText).join("\n"), json = got.map(formatJson).join("\n");
  for (const out of [text, json]) for (const s of secrets) assert(!out.includes(s), `leaks ${s}: ${out}`);
  equal(got[0]?.fields.topic, "******x2/activation/in");
  equal(got[0]?.fields.detail, "auth ******et refused");
  equal(got[0]?.fields.n, 3);
  // Very short secrets are not searched for (they would mask ordinary words).
  const short: LogRecord[] = [];
  const l2 = createLogger((x) => short.push(x), { uptimeMs: () => 1 }, () => "p", () => ["", "ab"]);
  l2.info("e", { word: "abc" });
  equal(short[short.length - 1]?.fields.word, "abc");
});

test("log secrets: a device's logger knows its own secrets (code from the factory, password from the record)", () => {
  const p = new FakePlatform();
  const d = makeDevice(p);
  d.start();
  d.log.info("probe", { a: `x${AC}y` });
  const last = p.lines[p.lines.length - 1];
  equal(last?.event, "probe");
  assert(!String(last?.fields.a).includes(AC));
});

test("log secrets: the backstop's one search finds secrets made of pattern characters, of any length from 4, and follows a changed list", () => {
  const got: LogRecord[] = [];
  let secrets: readonly string[] = ["q(u)o+te.s", "wxyz"];
  const log = createLogger((x) => got.push(x), { uptimeMs: () => 1 }, () => "operational", () => secrets);
  const last = () => got[got.length - 1]?.fields;
  log.info("e", { g: "<q(u)o+te.s>", c: "wxyz", d: "wxy", e: "quote.s", f: "q(u)o" });
  equal(last()?.g, "<******.s>");
  equal(last()?.c, "******", "a value exactly as long as the shortest secret");
  equal(last()?.d, "wxy");
  equal(last()?.e, "quote.s", "what only a pattern would match is left alone");
  equal(last()?.f, "q(u)o");
  // The device hands a new list when its record changes: the old secret is no longer searched, the new one is.
  secrets = ["p(a)s[s]*w+r?d{2}|^$.\\"];
  log.info("e", { a: "x p(a)s[s]*w+r?d{2}|^$.\\ y", g: "<q(u)o+te.s>" });
  equal(last()?.a, "x ******.\\ y");
  equal(last()?.g, "<q(u)o+te.s>");
  secrets = ["ab\u{1F511}cd"];
  log.info("e", { b: "1ab\u{1F511}cd2", o: { nested: "ab\u{1F511}cd" } });
  equal(last()?.b, "1******cd2");
  equal(last()?.o, '{"nested":"******cd"}');
  // Without secrets a PEM block is still abbreviated.
  const pemText = `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n`;
  const l2 = createLogger((x) => got.push(x), { uptimeMs: () => 1 }, () => "p");
  l2.info("cert", { pem: pemText, short: "-----BEGIN" });
  equal(last()?.pem, `PEM(${pemText.length} chars)`);
  equal(last()?.short, "-----BEGIN");
});
